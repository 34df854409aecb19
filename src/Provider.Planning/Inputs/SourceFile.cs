namespace Provider.Planning.Inputs;

/// <summary>An input file's text and the repo-relative name it is reported under.</summary>
public sealed record SourceFile(string Name, string Text);
