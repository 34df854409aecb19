using System.Collections.Immutable;
using Provider.Planning.Diagnostics;

namespace Provider.Nodes.Engine;

/// <summary>
/// The engine refuses an operation for a reason the operator can fix (a stale or malformed plan, an environment that
/// is not in it, a gate not run): every front end shows the message as it is, without a stack trace, after the
/// positioned <see cref="Diagnostics"/> that explain it, if any.
/// </summary>
public class OperationRefusedException(string message, ImmutableArray<Diagnostic> diagnostics = default) : Exception(message)
{
    public ImmutableArray<Diagnostic> Diagnostics { get; } = diagnostics.IsDefault ? [] : diagnostics;
}
