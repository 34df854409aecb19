using Provider.Monitor.Storage;
using static Provider.Monitor.Tests.Storage.TempStore;

namespace Provider.Monitor.Tests.Storage;

public abstract class LogSearchContract
{
    protected abstract Task<TempStore> CreateAsync();

    protected async Task<TempStore> StoreWithAsync(params LogLine[] lines)
    {
        var db = await CreateAsync();
        await db.RecordAsync(lines);
        return db;
    }

    protected static string[] Messages(IEnumerable<LogHit> hits) => [.. hits.Select(h => h.Line.Message)];

    [Fact]
    public async Task Search_Text_RequiresEveryWord_NewestFirst_WithFilters()
    {
        await using var db = await StoreWithAsync(
            Line("payment timeout for order 1"),
            Line("payment accepted for order 2"),
            Line("Payment TIMEOUT again", node: "node-b"),
            Line("timeout payment", environment: "blog"));

        Assert.Equal(["timeout payment", "Payment TIMEOUT again", "payment timeout for order 1"], Messages(await db.SearchAsync(new("payment timeout"))));
        Assert.Equal(["Payment TIMEOUT again"], Messages(await db.SearchAsync(new("payment timeout", Node: "node-b"))));
        Assert.Equal(["timeout payment"], Messages(await db.SearchAsync(new("timeout", Environment: "blog"))));
        Assert.Equal(4, (await db.SearchAsync(new("   "))).Length);
        Assert.Equal(4, (await db.SearchAsync(new())).Length);
    }

    [Theory]
    [InlineData("\"payment")]
    [InlineData("payment*")]
    [InlineData("payment OR")]
    [InlineData("-payment")]
    [InlineData("payment:")]
    [InlineData("^payment")]
    public async Task Search_FtsSyntaxInUserText_IsMatchedAsWords(string text)
    {
        await using var db = await StoreWithAsync(
            Line("payment done"),
            Line("payments pending"),
            Line("payment OR near refund"),
            Line("unrelated"));

        var hits = Messages(await db.SearchAsync(new(text)));

        // "OR" is a word to find, not an operator; "*" is not a prefix query; "-" and "NEAR(" are not operators.
        string[] expected = text.Contains("OR", StringComparison.Ordinal) ? ["payment OR near refund"] : ["payment OR near refund", "payment done"];
        Assert.Equal(expected, hits);
    }

    [Fact]
    public async Task Search_WordWithPunctuation_IsAPhraseOfItsParts()
    {
        await using var db = await StoreWithAsync(Line("call NEAR(payment, 3) here"), Line("payment near"), Line("GET /api/orders/7 200"));

        Assert.Equal(["call NEAR(payment, 3) here"], Messages(await db.SearchAsync(new("NEAR(payment"))));
        Assert.Equal(["GET /api/orders/7 200"], Messages(await db.SearchAsync(new("/api/orders"))));
        Assert.Empty(await db.SearchAsync(new("/orders/api")));
    }

    [Fact]
    public async Task Search_OperatorsAsWholeQuery_FindTheWordsOrNothing_WithoutError()
    {
        await using var db = await StoreWithAsync(Line("a AND b"), Line("x NOT y"), Line("said \"quoted\" -- here"));

        Assert.Equal(["a AND b"], Messages(await db.SearchAsync(new("AND"))));
        Assert.Equal(["x NOT y"], Messages(await db.SearchAsync(new("NOT"))));
        Assert.Empty(await db.SearchAsync(new("NEAR(")));
        Assert.Equal(["said \"quoted\" -- here"], Messages(await db.SearchAsync(new("\"quoted\""))));
        // Punctuation only: no word for the index, matched literally instead.
        Assert.Equal(["said \"quoted\" -- here"], Messages(await db.SearchAsync(new("--"))));
        Assert.Equal(["said \"quoted\" -- here"], Messages(await db.SearchAsync(new("\""))));
        Assert.Empty(await db.SearchAsync(new("*")));
        Assert.Equal(["said \"quoted\" -- here"], Messages(await db.SearchAsync(new("\"quoted\" --"))));
        Assert.Empty(await db.SearchAsync(new("quoted ++")));
    }

    [Fact]
    public async Task Search_Highlighted_EscapesHtml_AndMarksEveryMatch()
    {
        await using var db = await StoreWithAsync(Line("<script>alert('x')</script> & alert again"));

        var hit = Assert.Single(await db.SearchAsync(new("alert")));
        Assert.Equal("&lt;script&gt;<mark>alert</mark>(&#39;x&#39;)&lt;/script&gt; &amp; <mark>alert</mark> again", hit.Highlighted);
        var plain = Assert.Single(await db.SearchAsync(new(Node: "node-a")));
        Assert.Equal("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; alert again", plain.Highlighted);
        var script = Assert.Single(await db.SearchAsync(new("<script>")));
        Assert.Equal("&lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; alert again", script.Highlighted);
    }

    [Theory]
    [InlineData("request", null)]
    [InlineData(null, null)]
    [InlineData("request", "node-b")]
    [InlineData(null, "node-b")]
    public async Task Search_Pages_CoverEveryMatchExactlyOnce(string? text, string? node)
    {
        LogLine[] lines = [.. Enumerable.Range(0, 95).Select(i => Line($"request {i}", node: i % 3 == 0 ? "node-b" : "node-a")), Line("other")];
        await using var db = await StoreWithAsync(lines);

        var seen = new List<string>();
        long? before = null;
        var pages = 0;
        do
        {
            var page = await db.Store.SearchLogsAsync(new(text, Node: node, Limit: 10, BeforeId: before), CancellationToken.None);
            seen.AddRange(Messages(page.Hits));
            Assert.True(page.Hits.Select(h => h.Id).SequenceEqual(page.Hits.Select(h => h.Id).OrderDescending()));
            before = page.NextBeforeId;
            pages++;
        }
        while (before is not null);

        var expected = lines.Reverse()
            .Where(l => (node is null || l.Node == node) && (text is null || l.Message.Contains(text, StringComparison.Ordinal)))
            .Select(l => l.Message).ToList();
        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 9) / 10, pages);
    }

    [Fact]
    public async Task Search_LevelTimeAndSourceFilters()
    {
        await using var db = await StoreWithAsync(
            Line("disk failed", level: 2, time: T0),
            Line("disk slow", level: 4, time: T0.AddMinutes(1), source: "journal:worker"),
            Line("disk fine", level: 6, time: T0.AddMinutes(2), source: "nginx-error:shop.example"),
            Line("disk GET", level: 6, time: T0.AddMinutes(3), source: "nginx-access:shop.example", status: 200),
            Line("disk journaled", level: 6, time: T0.AddMinutes(4), source: "journalctl"));

        Assert.Equal(["disk slow", "disk failed"], Messages(await db.SearchAsync(new("disk", MaxLevel: 4))));
        Assert.Equal(["disk failed"], Messages(await db.SearchAsync(new(MaxLevel: 3))));
        Assert.Equal(["disk fine", "disk slow"], Messages(await db.SearchAsync(new("disk", Since: T0.AddMinutes(1), Until: T0.AddMinutes(3)))));
        Assert.Equal(["disk slow", "disk failed"], Messages(await db.SearchAsync(new(Source: "journal:"))));
        Assert.Equal(["disk slow"], Messages(await db.SearchAsync(new("disk", Source: "journal:worker"))));
        Assert.Empty(await db.SearchAsync(new("disk", Source: "nginx")));
        Assert.Equal(["disk fine"], Messages(await db.SearchAsync(new("disk", Source: "nginx-error:"))));
        Assert.Equal(["disk journaled"], Messages(await db.SearchAsync(new(Source: "journalctl"))));
        var hit = Assert.Single(await db.SearchAsync(new("GET")));
        Assert.Equal(200, hit.Line.HttpStatus);
        Assert.Equal(T0.AddMinutes(3), hit.Line.Time);
        Assert.Equal(TimeSpan.Zero, hit.Line.Time.Offset);
    }
}

public sealed class SqliteSearchTests : LogSearchContract
{
    protected override Task<TempStore> CreateAsync() => TempStore.CreateAsync();

    /// <summary>SQLite's highlight() marks with control characters; a message holding them is shown without marks.</summary>
    [Fact]
    public async Task Search_MessageWithMarkerCharacters_IsEscapedWithoutFakeMarks()
    {
        await using var db = await StoreWithAsync(Line("odd \u0001<b>\u0002 bytes"));

        Assert.Equal("odd \u0001&lt;b&gt;\u0002 bytes", Assert.Single(await db.SearchAsync(new("bytes"))).Highlighted);
    }
}

public sealed class PostgresSearchTests : LogSearchContract
{
    protected override Task<TempStore> CreateAsync() => TempStore.CreatePostgresAsync();

    [Fact]
    public async Task Search_Highlight_MarksTokensLikeTheIndex()
    {
        await using var db = await StoreWithAsync(Line("GET /api/orders/7 from shop.example"));

        Assert.Equal("GET /<mark>api</mark>/<mark>orders</mark>/7 from shop.example", Assert.Single(await db.SearchAsync(new("/api/orders"))).Highlighted);
        Assert.Equal("GET /api/orders/7 from <mark>shop</mark>.example", Assert.Single(await db.SearchAsync(new("SHOP"))).Highlighted);
    }
}
