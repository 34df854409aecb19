using System.Reflection;
using Provider.Nodes.Apply;

namespace Provider.Monitor.Collection;

/// <summary>The collect script sent to nodes: collect.sh with the generation reader of deploy (one definition of that record).</summary>
public static class CollectScript
{
    public static string Text { get; } = Load();

    private static string Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("collect.sh")
            ?? throw new InvalidOperationException("collect.sh is not embedded in Provider.Monitor");
        using var reader = new StreamReader(stream);
        return "generations() {\n" + GenerationHistory.ReadScript + "\n}\n" + reader.ReadToEnd().Replace("@ROOT@", GenerationHistory.Root, StringComparison.Ordinal);
    }
}
