using Microsoft.Data.Sqlite;
using Provider.Monitor.Storage;
using Provider.Monitor.Storage.Sqlite;

namespace Provider.Monitor.Tests.Storage;

/// <summary>
/// The search stays fast at millions of lines only while SQLite walks an index in id order and stops at LIMIT: these
/// pin the plans (no sort of all matching lines, the FTS index as the outer loop for text).
/// </summary>
public class SqliteQueryPlanTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "text", "SCAN log_fts VIRTUAL TABLE" },
        { "text+node+page", "SCAN log_fts VIRTUAL TABLE" },
        { "node", "USING INDEX ix_log_lines_node" },
        { "environment+journal:", "USING INDEX ix_log_lines_environment" },
        { "source", "USING INDEX ix_log_lines_source" },
        { "errors", "USING INDEX ix_log_lines_severe" },
        { "none", "SCAN l" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Search_Plan_WalksAnIndexInIdOrder_WithoutSorting(string shape, string expected)
    {
        await using var db = await TempStore.CreateAsync();
        var query = shape switch
        {
            "text" => new LogQuery("timeout upstream"),
            "text+node+page" => new LogQuery("timeout", Node: "node-a", MaxLevel: 4, BeforeId: 500),
            "node" => new LogQuery(Node: "node-a", BeforeId: 500),
            "environment+journal:" => new LogQuery(Environment: "shop", Source: "journal:"),
            "source" => new LogQuery(Source: "nginx-access:shop.example"),
            "errors" => new LogQuery(MaxLevel: 3),
            _ => new LogQuery(),
        };

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db.DbPath, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + LogSearch.BuildSql(query, explain);
        explain.Parameters.AddWithValue("$limit", 101);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        var text = string.Join(" | ", plan);
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", text, StringComparison.Ordinal);
    }
}
