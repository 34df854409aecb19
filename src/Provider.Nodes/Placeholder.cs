namespace Provider.Nodes; internal static class Placeholder { }
