namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// The one allocator of UID/GID blocks for every testbed test. A test repo's state starts at its block (its
/// <c>_uidHighWaterMark</c>), so the planner reserves UIDs block+1..block+10 for it. Blocks never overlap within a run
/// (one counter for all test classes), and a block holding any UID or GID an account or group already has on a node is
/// skipped, because nodes outlive test runs and deploy refuses a reserved UID that belongs to someone else.
/// </summary>
public static class TestbedUids
{
    /// <summary>UIDs a block covers above its start: at most this many environments per test repo.</summary>
    public const int BlockSize = 10;

    private const int First = 5_000;
    private const int Last = 65_500; // the planner refuses UIDs above 65533

    private static readonly object Gate = new();
    private static HashSet<int>? taken;
    private static int next = First;

    /// <summary>The start of a fresh block (block+1..block+<see cref="BlockSize"/> are free on every node).</summary>
    public static int Block(TestbedEnvironment testbed)
    {
        lock (Gate)
        {
            taken ??= Taken(testbed);
            while (next + BlockSize <= Last)
            {
                var block = next;
                next += BlockSize + 1;
                if (!Enumerable.Range(block, BlockSize + 1).Any(taken.Contains))
                {
                    return block;
                }
            }

            throw new InvalidOperationException($"no free block of {BlockSize} UIDs between {First} and {Last} on the testbed's nodes; remove old test accounts or recreate the testbed");
        }
    }

    /// <summary>Every UID and GID in use on any node, read once per test run.</summary>
    private static HashSet<int> Taken(TestbedEnvironment testbed)
    {
        var ids = new HashSet<int>();
        foreach (var node in testbed.Nodes)
        {
            var output = testbed.Ssh(node, "getent passwd | cut -d: -f3; getent group | cut -d: -f3; echo listed");
            Assert.EndsWith("listed", output.Trim(), StringComparison.Ordinal);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(line, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                {
                    ids.Add(id);
                }
            }
        }

        return ids;
    }
}
