namespace Provider.Planning; internal static class Placeholder { }
