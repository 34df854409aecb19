using System.Data.Common;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>
/// Collects the conditions of a WHERE clause with their parameters, so that only the filters a query uses reach the SQL
/// (an `$x IS NULL OR col = $x` pattern would keep SQLite from using the index). Values are always parameters, never text.
/// </summary>
/// <param name="prefix">How the backend names parameters: "$" (SQLite's habit here) or "@" (Npgsql).</param>
internal sealed class SqlWhere(string prefix = "$")
{
    private readonly List<string> conditions = [];
    private readonly List<(string Name, object Value)> parameters = [];

    /// <summary>Adds the condition when value is set (not null); condition gets the parameter name to use in its SQL.</summary>
    public SqlWhere When(object? value, Func<string, string> condition)
    {
        if (value is null)
        {
            return this;
        }

        var name = prefix + "p" + parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        conditions.Add(condition(name));
        parameters.Add((name, value));
        return this;
    }

    /// <summary>Adds a condition without a parameter.</summary>
    public SqlWhere Always(string condition)
    {
        conditions.Add(condition);
        return this;
    }

    public string Sql => conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);

    public void Bind(DbCommand command)
    {
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
    }
}
