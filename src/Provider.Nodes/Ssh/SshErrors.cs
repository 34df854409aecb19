namespace Provider.Nodes.Ssh;

/// <summary>A node could not be reached or the connection broke; the message names the node and what to check.</summary>
public class NodeConnectionException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class HostKeyMismatchException(string node, string expected, string presented)
    : NodeConnectionException(
        $"host key of node '{node}' does not match node.yaml: expected {expected}, the server presented {presented}. " +
        "If the server was reinstalled, verify the new key out of band, then update hostKey in nodes/" + node + "/node.yaml (or re-run `node add`).")
{
    public string Expected { get; } = expected;

    public string Presented { get; } = presented;
}
