using System.Collections.Immutable;

namespace Provider.Planning.Summary;

public enum ChangeKind
{
    Add,
    Remove,
    Modify,

    /// <summary>
    /// An environment left this node. The move itself is listed, and counted, under the new node;
    /// this entry only tells a reader of the old node where it went.
    /// </summary>
    MovedAway,
}

/// <summary>
/// One field that differs. <see cref="Old"/> and <see cref="New"/> are display texts: a JSON scalar
/// (strings bare unless that would be ambiguous), <c>(none)</c> when the field is absent, and
/// null when the value is too large or structured to show, so only its name is reported.
/// </summary>
public sealed record FieldChange(string Field, string? Old, string? New);

/// <summary>
/// Something added, removed or modified. <see cref="Subject"/> is one of <see cref="Subjects"/>;
/// <see cref="Detail"/> is a short qualifier such as the owner of a vhost or the UID of a user.
/// </summary>
public sealed record Change(ChangeKind Kind, string Subject, string Name, ImmutableArray<FieldChange> Fields, string? Detail)
{
    public static Change Added(string subject, string name, string? detail) => new(ChangeKind.Add, subject, name, [], detail);

    public static Change Removed(string subject, string name, string? detail) => new(ChangeKind.Remove, subject, name, [], detail);

    public static Change Modified(string subject, string name, ImmutableArray<FieldChange> fields) => new(ChangeKind.Modify, subject, name, fields, null);
}

public static class Subjects
{
    public const string Node = "node";
    public const string Environment = "env";
    public const string Vhost = "vhost";
    public const string User = "user";
    public const string Slice = "slice";
    public const string Reservation = "reservation";
    public const string Plan = "plan";
    public const string State = "state";
}

/// <summary>Changes on one node, node-level first, then by environment.</summary>
public sealed record NodeChanges(string Node, ImmutableArray<Change> Changes);

public sealed record ChangeCounts(int Add, int Change, int Remove);

/// <summary>
/// What a new plan changes against the committed one. <see cref="Global"/> holds plan-wide settings
/// and state-only changes; <see cref="Notes"/> says when a committed file could not be read.
/// </summary>
public sealed record PlanChanges(ImmutableArray<NodeChanges> Nodes, ImmutableArray<Change> Global, ImmutableArray<string> Notes)
{
    public bool IsEmpty => Nodes.IsEmpty && Global.IsEmpty;

    public ChangeCounts Counts
    {
        get
        {
            var all = Nodes.SelectMany(n => n.Changes).Concat(Global).ToList();
            return new(
                all.Count(c => c.Kind == ChangeKind.Add),
                all.Count(c => c.Kind == ChangeKind.Modify),
                all.Count(c => c.Kind == ChangeKind.Remove));
        }
    }

    /// <summary>Lines for a person: "\n" line ends, a final newline.</summary>
    public string ToText() => PlanChangesText.Render(this);

    /// <summary>The same content as canonical JSON bytes (see <see cref="Output.CanonicalJson"/>).</summary>
    public byte[] ToJson() => Output.CanonicalJson.Serialize(PlanChangesJson.ToNode(this));
}
