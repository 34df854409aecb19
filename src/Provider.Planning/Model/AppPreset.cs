using System.Collections.Immutable;

namespace Provider.Planning.Model;

/// <summary>
/// `app.preset`: the usual build and run of a kind of app, each overridable by an explicit app.build / app.run, and the
/// runtime the node needs for it (installed by `node bootstrap` only on nodes whose plan lists it). The plan holds the
/// resolved commands, so plan.json stays the whole truth of what runs.
/// </summary>
public static class AppPreset
{
    public const string Python = "python";
    public const string Node = "node";

    public static readonly ImmutableArray<string> All = [Node, Python];

    /// <summary>
    /// python: a venv in the release, then pip with requirements.txt (pip installs nothing, and asks no index, when the
    /// file names no package: an app without dependencies builds on a node without a package index).
    /// node: `npm ci` from the lockfile without dev dependencies; no audit or funding requests (they need the registry
    /// and change nothing).
    /// </summary>
    public static ImmutableArray<string> Build(string preset) => preset switch
    {
        Python => ["python3 -m venv .venv", ".venv/bin/pip install --disable-pip-version-check --no-input -r requirements.txt"],
        Node => ["npm ci --omit=dev --no-audit --no-fund"],
        _ => [],
    };

    public static string? Run(string preset) => preset switch
    {
        Python => ".venv/bin/python app.py",
        Node => "npm start",
        _ => null,
    };

    /// <summary>The runtime a preset needs on its node (plan.nodes.&lt;node&gt;.runtimes).</summary>
    public static string? Runtime(string preset) => preset switch
    {
        Python => Runtimes.Python3,
        Node => Runtimes.NodeJs,
        _ => null,
    };
}

/// <summary>Runtimes a node may need for its environments, and the Debian packages that provide each.</summary>
public static class Runtimes
{
    public const string Python3 = "python3";
    public const string NodeJs = "nodejs";

    public static ImmutableArray<string> Packages(string runtime) => runtime switch
    {
        Python3 => ["python3", "python3-venv"],
        NodeJs => ["nodejs", "npm"],
        _ => [],
    };
}
