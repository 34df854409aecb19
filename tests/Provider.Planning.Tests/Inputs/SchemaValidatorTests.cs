using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;

namespace Provider.Planning.Tests.Inputs;

public class SchemaValidatorTests
{
    private static List<Diagnostic> Validate(string text, SchemaKind kind)
    {
        var bag = new DiagnosticBag();
        var doc = YamlDocument.Parse(new SourceFile("x.yaml", text), bag);
        SchemaValidator.Validate(doc, kind, bag);
        return [.. bag.Sorted()];
    }

    /// <summary>
    /// Regression: with one JsonSchema instance shared across threads (and across the fast and detailed
    /// passes), JsonSchema.Net 7.4.0 let invalid manifests pass now and then (json-everything#929).
    /// </summary>
    [Fact]
    public void Validate_ManyThreadsAtOnce_EveryVerdictIsTheSequentialOne()
    {
        const string valid = "organisation: acme\nproject: demo\nenvironments:\n  main: { type: production }\n";
        const string invalid = "organisation: acme\nproject: demo\nenvironments:\n  main: { type: production, secrets: \"x\" }\n";
        var wrong = 0;
        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var text = i % 2 == 0 ? valid : invalid;
            var errors = Validate(text, SchemaKind.Hostenv).Count;
            if ((i % 2 == 0) != (errors == 0))
            {
                Interlocked.Increment(ref wrong);
            }
        });

        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Validate_UnknownKeyNearKnownOne_SuggestsIt()
    {
        var d = Assert.Single(Validate("hostenvHostname: h.test\nnodeFr: {}\n", SchemaKind.Provider));
        Assert.Equal(ManifestCodes.UnknownKey, d.Code);
        Assert.Contains("did you mean 'nodeFor'", d.Message, StringComparison.Ordinal);
        Assert.Equal(new SourcePosition("x.yaml", 2, 1), d.Position);
    }

    [Fact]
    public void Validate_UnknownKeyFarFromAll_ListsKnownKeys()
    {
        var d = Assert.Single(Validate("address: 1.2.3.4\nzzzzzzzz: 1\n", SchemaKind.Node));
        Assert.DoesNotContain("did you mean", d.Message, StringComparison.Ordinal);
        Assert.Contains("hostKey", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownKeyInsideAReferencedSchema_ListsTheKeysKnownThere()
    {
        var text = "organisation: a\nproject: b\nenvironments:\n  main:\n    virtualHosts:\n      a.example.com:\n        security: { cps: x }\n";
        var d = Assert.Single(Validate(text, SchemaKind.Hostenv));
        Assert.Contains("did you mean 'csp'", d.Message, StringComparison.Ordinal);
        Assert.Contains("cspReportTo", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingRequired_NamesFieldAtParent()
    {
        var d = Assert.Single(Validate("port: 22\n", SchemaKind.Node));
        Assert.Equal(ManifestCodes.MissingField, d.Code);
        Assert.Equal("address", d.Field);
    }

    [Fact]
    public void Validate_WrongTypeAndRange_BothReported()
    {
        var all = Validate("address: a\nport: \"22\"\nconfirmTimeoutSeconds: 1\n", SchemaKind.Node);
        Assert.Equal(2, all.Count);
        Assert.Equal(ManifestCodes.WrongType, all[0].Code);
        Assert.Equal("port", all[0].Field);
        Assert.Equal(ManifestCodes.InvalidValue, all[1].Code);
        Assert.Contains("5 to 3600", all[1].Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyFile_ReportsRequiredFields()
    {
        var all = Validate("", SchemaKind.Hostenv);
        Assert.Equal(["organisation", "project"], all.Select(d => d.Field));
    }

    [Fact]
    public void Validate_TopLevelList_IsWrongType()
    {
        var d = Assert.Single(Validate("- a\n- b\n", SchemaKind.Provider));
        Assert.Equal(ManifestCodes.WrongType, d.Code);
    }

    [Fact]
    public void Validate_BuildAsNumber_ReportsOneOfOnce()
    {
        var all = Validate("organisation: a\nproject: b\nenvironments:\n  main:\n    app: { build: 5 }\n", SchemaKind.Hostenv);
        var d = Assert.Single(all);
        Assert.Contains("a text or a list", d.Message, StringComparison.Ordinal);
    }
}
