namespace Provider.Monitor.Storage.Sqlite;

/// <summary>Times are stored as unix milliseconds (UTC) and come back with offset zero.</summary>
internal static class UnixTime
{
    public static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
