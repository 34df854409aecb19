// hostenv-provider manages Linux servers and runs on Linux (fcntl locks, Unix file modes, network namespaces).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Provider.Nodes.Tests")]
