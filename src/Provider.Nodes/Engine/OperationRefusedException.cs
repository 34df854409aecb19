namespace Provider.Nodes.Engine;

/// <summary>
/// The engine refuses an operation for a reason the operator can fix (a stale or malformed plan, an environment that
/// is not in it, a gate not run): every front end shows the message as it is, without a stack trace.
/// </summary>
public class OperationRefusedException(string message) : Exception(message);
