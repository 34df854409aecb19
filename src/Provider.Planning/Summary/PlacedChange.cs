namespace Provider.Planning.Summary;

/// <summary>A change with where it is listed: its node, and the environment it belongs to ("" for the node itself).</summary>
internal sealed record PlacedChange(string Node, string Environment, Change Change);
