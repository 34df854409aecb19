using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;
using Provider.Planning.Secrets;

namespace Provider.Planning.Tests.Secrets;

/// <summary>
/// Secrets in git, as the pure planner sees them: recipients age accepts (and the ones it would not, with a reason),
/// the .recipients file compared with what the environment needs now, and plan.json's encryptedSecrets with the
/// reason a rekey is due; never a value (the planner gets only the ciphertext's hash).
/// </summary>
public class EncryptedSecretsPlannerTests
{
    private const string NodeA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3K4dNygAyVlmkL9ffu1D9sNooP20rKAzgFO76USern";
    private const string NodeB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEs5fknyGwYZe/bLRJIWai4I4a3fOP0T7NlriHcTVfKf";
    private const string Operator = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    private const string Sha = "0000000000000000000000000000000000000000000000000000000000000001";

    [Theory]
    [InlineData(Operator)]
    [InlineData(NodeA)]
    [InlineData(NodeA + " alice@laptop")]
    public void Problem_AgeOrSshPublicKey_IsNone(string recipient) => Assert.Null(AgeRecipient.Problem(recipient));

    [Theory]
    [InlineData("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aq", "cut short")]
    [InlineData("AGE-SECRET-KEY-1QQQQ", "SECRET key")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3K4dNygAyVlmkL9ffu1D9sN", "base64")]
    [InlineData("ecdsa-sha2-nistp256 AAAA", "an age recipient is")]
    public void Problem_NotARecipient_SaysWhy(string recipient, string why) => Assert.Contains(why, AgeRecipient.Problem(recipient), StringComparison.Ordinal);

    [Fact]
    public void Canonical_SshKeyWithComment_DropsTheComment() => Assert.Equal(NodeA, AgeRecipient.Canonical("  " + NodeA + " root@node-a  "));

    [Fact]
    public void RecipientsFile_RenderThenParse_RoundTripsSorted()
    {
        var text = RecipientsFile.Render("main", [Operator, NodeA + " comment", NodeA]);
        Assert.Equal(new[] { Operator, NodeA }, RecipientsFile.Parse(new SourceFile("x.recipients", text), new DiagnosticBag()).ToArray());
    }

    [Fact]
    public void RecipientsFile_BadLine_IsAnErrorAtItsLineAndColumn()
    {
        var bag = new DiagnosticBag();
        RecipientsFile.Parse(new SourceFile("app/.hostenv/secrets/main.recipients", "# c\n" + NodeA + "\n  age1nope\n"), bag);
        var error = Assert.Single(bag.Items);
        Assert.Equal("app/.hostenv/secrets/main.recipients:3:3", error.Position!.ToString());
        Assert.Equal(SecretsCodes.RecipientsFileInvalid, error.Code);
    }

    [Fact]
    public void RekeyReason_SameRecipients_IsNull() =>
        Assert.Null(EncryptedSecretsPlanner.RekeyReason([NodeA, Operator], EncryptedSecretsPlanner.Desired(NodeA, [Operator]), "node-a", NodeA, null));

    [Fact]
    public void RekeyReason_NodeChanged_NamesBothNodes() =>
        Assert.Contains("node-a -> node-b", EncryptedSecretsPlanner.RekeyReason([NodeA, Operator], EncryptedSecretsPlanner.Desired(NodeB, [Operator]), "node-b", NodeB, "node-a"),
            StringComparison.Ordinal);

    [Fact]
    public void RekeyReason_OperatorRemoved_SaysItCanStillOpenTheFile() =>
        Assert.Contains("to remove age1ql3z7hjy54pw…", EncryptedSecretsPlanner.RekeyReason([NodeA, Operator], EncryptedSecretsPlanner.Desired(NodeA, []), "node-a", NodeA, null),
            StringComparison.Ordinal);

    [Fact]
    public void RekeyReason_NoRecipientsFile_AsksForRekey() =>
        Assert.Contains("not recorded", EncryptedSecretsPlanner.RekeyReason(null, EncryptedSecretsPlanner.Desired(NodeA, []), "node-a", NodeA, null), StringComparison.Ordinal);

    [Fact]
    public void Plan_CiphertextForAnotherNode_WarnsAndRecordsTheReason_WithoutFailing()
    {
        var result = Plan(recipients: RecipientsFile.Render("main", [NodeB, Operator]));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        var warning = Assert.Single(result.Diagnostics, d => d.Code == SecretsCodes.NeedsRekey);
        Assert.Equal(DiagnosticLevel.Warning, warning.Level);
        Assert.Contains("secrets rekey demo-main-", warning.Hint, StringComparison.Ordinal);
        var secrets = EncryptedSecrets(result);
        Assert.Contains("host key of its node node-a is not a recipient", secrets["rekey"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Sha, secrets["sha256"]!.GetValue<string>());
        Assert.Equal(".hostenv/secrets/main.age", secrets["file"]!.GetValue<string>());
    }

    [Fact]
    public void Plan_CiphertextForTheNodeAndOperators_NeedsNoRekey_SameBytesTwice()
    {
        var result = Plan(recipients: RecipientsFile.Render("main", [Operator, NodeA]));
        Assert.DoesNotContain(result.Diagnostics, d => d.Code == SecretsCodes.NeedsRekey);
        Assert.Null(EncryptedSecrets(result)["rekey"]);
        Assert.Equal([Operator, NodeA], EncryptedSecrets(result)["recipients"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(result.PlanJson, Plan(recipients: RecipientsFile.Render("main", [Operator, NodeA])).PlanJson);
    }

    [Fact]
    public void Plan_MalformedOperatorRecipient_IsAnErrorAtItsPosition()
    {
        var result = Plan(recipients: null, providerRecipients: "[\"age1short\"]");
        Assert.False(result.Success);
        var error = Assert.Single(result.Diagnostics, d => d.Code == SecretsCodes.InvalidRecipient);
        Assert.Equal("provider.yaml:5:25", error.Position!.ToString());
        Assert.Equal("secrets.recipients.0", error.Field);
    }

    private static JsonNode EncryptedSecrets(PlanResult result) =>
        JsonNode.Parse(result.PlanJson!)!["environments"]!.AsObject().Single().Value!["encryptedSecrets"]!;

    private static PlanResult Plan(string? recipients, string providerRecipients = "[\"" + Operator + "\"]") =>
        FleetPlanner.Plan(new PlanInput(
            new SourceFile("provider.yaml", "hostenvHostname: hosting.test\nnodeFor: { default: node-a }\nprojects:\n  acme__demo: { path: demo }\nsecrets: { recipients: " + providerRecipients + " }\n"),
            [new NodeInput("node-a", new SourceFile("nodes/node-a/node.yaml", $"address: 10.0.0.1\nhostKey: \"{NodeA}\"\n"))],
            [new ProjectInput("acme__demo", new SourceFile("demo/.hostenv/hostenv.yaml", "organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: production\n"), null)
            {
                SecretFiles = [new SecretsFileInput("main", ".hostenv/secrets/main.age", Sha, "demo/.hostenv/secrets/main.age",
                    recipients is null ? null : new SourceFile("demo/.hostenv/secrets/main.recipients", recipients))],
            }],
            null));
}
