using Provider.Planning.Model;

namespace Provider.Nodes.State;

public enum UserPresence
{
    Absent,
    Present,
}

/// <summary>Asks a node whether a Unix user still exists (state prune must not free a UID that is still in use).</summary>
public interface IUserPresenceProbe
{
    /// <summary>Throws with a clear message when the node cannot be asked.</summary>
    Task<UserPresence> CheckAsync(NodeConfig node, string userName, CancellationToken ct);
}
