using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Provider.Planning.Summary;

internal static class PlanChangesText
{
    public const string GlobalHeader = "plan and state";

    public static string Render(PlanChanges changes)
    {
        var sb = new StringBuilder();
        foreach (var note in changes.Notes)
        {
            sb.Append("note: ").Append(note).Append('\n');
        }

        if (changes.IsEmpty)
        {
            return sb.Append("No changes.\n").ToString();
        }

        foreach (var node in changes.Nodes)
        {
            Section(sb, node.Node, node.Changes);
        }

        Section(sb, GlobalHeader, changes.Global);
        var counts = changes.Counts;
        sb.Append('\n').Append(string.Create(CultureInfo.InvariantCulture, $"{counts.Add} to add, {counts.Change} to change, {counts.Remove} to remove")).Append('\n');
        return sb.ToString();
    }

    public static string Line(Change change)
    {
        var sb = new StringBuilder();
        sb.Append(change.Kind switch
        {
            ChangeKind.Add => '+',
            ChangeKind.Remove => '-',
            _ => '~',
        });
        sb.Append(' ').Append(change.Subject);
        if (change.Name.Length > 0)
        {
            sb.Append(' ').Append(change.Name);
        }

        if (change.Detail is not null)
        {
            sb.Append(" (").Append(change.Detail).Append(')');
        }

        if (!change.Fields.IsEmpty)
        {
            sb.Append(": ").Append(string.Join(", ", Fields(change.Fields)));
        }

        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string header, ImmutableArray<Change> changes)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        sb.Append(header).Append(":\n");
        foreach (var change in changes)
        {
            sb.Append("  ").Append(Line(change)).Append('\n');
        }
    }

    private static IEnumerable<string> Fields(ImmutableArray<FieldChange> fields)
    {
        var i = 0;
        while (i < fields.Length)
        {
            // Members reported by name only ("app.run", "app.healthCheck") read better as one phrase.
            if (NameOnlyMember(fields[i]) is { } parent)
            {
                var names = new List<string>();
                while (i < fields.Length && NameOnlyMember(fields[i]) == parent)
                {
                    names.Add(fields[i].Field[(parent.Length + 1)..]);
                    i++;
                }

                yield return $"{parent} changed ({string.Join(", ", names)})";
                continue;
            }

            yield return Field(fields[i]);
            i++;
        }
    }

    private static string? NameOnlyMember(FieldChange field)
    {
        var dot = field.Field.IndexOf('.', StringComparison.Ordinal);
        return field.Old is null && field.New is null && dot > 0 ? field.Field[..dot] : null;
    }

    private static string Field(FieldChange f) => (f.Old, f.New) switch
    {
        ({ } o, { } n) => $"{f.Field} {o} → {n}",
        (FieldDiff.Absent, null) => $"{f.Field} added",
        (null, FieldDiff.Absent) => $"{f.Field} removed",
        _ => $"{f.Field} changed",
    };
}
