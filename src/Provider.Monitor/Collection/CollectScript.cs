using System.Reflection;
using Provider.Nodes.Remote;

namespace Provider.Monitor.Collection;

/// <summary>
/// The collect script sent to nodes: collect.sh (without its #! line) after the node path prelude and the generation
/// reader of deploy as a function (one definition of that record).
/// </summary>
public static class CollectScript
{
    public static string Text { get; } = Load();

    private static string Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("collect.sh")
            ?? throw new InvalidOperationException("collect.sh is not embedded in Provider.Monitor");
        using var reader = new StreamReader(stream);
        var file = reader.ReadToEnd();
        var body = file[(file.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        return RemoteScripts.Prelude(body, "collect.sh") + "generations() {\n" + RemoteScripts.Body("generations-read.sh") + "}\n" + body;
    }
}
