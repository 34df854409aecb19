using System.Diagnostics;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>
/// `secrets encrypt|edit|rekey` on a copy of the example repo, with the real `age`: the ciphertext opens with the
/// operator's key (and only because provider.yaml lists it), the .recipients file names the node's pinned host key,
/// plan records the file without any value, and `edit` leaves no plaintext file behind.
/// </summary>
public sealed class EncryptedSecretsCommandTests : IDisposable
{
    private const string Env = "demo-main-3a65ba5";
    private const string Plaintext = "GREETING=pt-7f3c9e-plain\n";
    private readonly TempDir repo = PlanCommandTests.CopyExampleRepo();
    private readonly TempDir keys = new();

    public EncryptedSecretsCommandTests()
    {
        Run("age-keygen", "-o", OperatorKey);
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.AppendAllText(provider, $"secrets:\n  recipients:\n    - {OperatorPublic}\n");
    }

    private string OperatorKey => Path.Combine(keys.Path, "operator.txt");

    private string OperatorPublic => Run("age-keygen", "-y", OperatorKey).Trim();

    private string AgeFile => Path.Combine(repo.Path, "examples/demo/.hostenv/secrets/main.age");

    [Fact]
    public async Task SecretsEncrypt_FromStdin_WritesCiphertextForNodeAndOperators_AndPlanRecordsNoValue()
    {
        Assert.Equal(0, (await Cli(null, "plan")).ExitCode);
        var encrypt = await Cli(Plaintext, "secrets", "encrypt", Env);
        Assert.True(encrypt.ExitCode == 0, encrypt.Stderr);
        Assert.Contains("GREETING", encrypt.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pt-7f3c9e", encrypt.Stdout + encrypt.Stderr, StringComparison.Ordinal);

        Assert.StartsWith("-----BEGIN AGE ENCRYPTED FILE-----", File.ReadAllText(AgeFile), StringComparison.Ordinal);
        Assert.Equal(Plaintext, Run("age", "-d", "-i", OperatorKey, AgeFile));
        var recipients = File.ReadAllText(Path.ChangeExtension(AgeFile, ".recipients"));
        var nodeKey = File.ReadAllLines(Path.Combine(repo.Path, "nodes/node-a/node.yaml")).Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal))[8..].Trim().Trim('"');
        Assert.Contains(nodeKey + "\n", recipients, StringComparison.Ordinal);
        Assert.Contains(OperatorPublic + "\n", recipients, StringComparison.Ordinal);

        var plan = await Cli(null, "plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        Assert.DoesNotContain("HP2101", plan.Stderr, StringComparison.Ordinal);
        var secrets = JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated/plan.json")))!["environments"]![Env]!["encryptedSecrets"]!;
        Assert.Equal(".hostenv/secrets/main.age", secrets["file"]!.GetValue<string>());
        Assert.Null(secrets["rekey"]);
        Assert.Contains(nodeKey, secrets["recipients"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.DoesNotContain(Directory.EnumerateFiles(repo.Path, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains("pt-7f3c9e", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecretsEncrypt_NotNameValue_IsRefusedWithTheLineAndWritesNothing()
    {
        Assert.Equal(0, (await Cli(null, "plan")).ExitCode);
        var bad = await Cli("GREETING=ok\nthis-is-pt-7f3c9e-no-equals\n", "secrets", "encrypt", Env);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("line 2 is not NAME=VALUE", bad.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pt-7f3c9e", bad.Stdout + bad.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(AgeFile));
    }

    [Fact]
    public async Task SecretsEdit_WithScriptedEditor_EncryptsWhatWasSaved_AndLeavesNoPlaintextFile()
    {
        Assert.Equal(0, (await Cli(null, "plan")).ExitCode);
        Assert.Equal(0, (await Cli(Plaintext, "secrets", "encrypt", Env)).ExitCode);

        // The editor records which file it got and its mode, and adds a line.
        var seen = Path.Combine(keys.Path, "seen");
        var editor = Path.Combine(keys.Path, "editor.sh");
        File.WriteAllText(editor, $"#!/bin/sh\nprintf '%s %s\\n' \"$1\" \"$(stat -c %a \"$1\")\" > '{seen}'\necho 'API_TOKEN=pt-7f3c9e-added' >> \"$1\"\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var edit = CliProcess.Run(["--dir", repo.Path, "secrets", "edit", Env, "--identity-file", OperatorKey],
            new Dictionary<string, string> { ["EDITOR"] = editor, ["VISUAL"] = "" });
        Assert.True(edit.ExitCode == 0, edit.Stderr);
        Assert.DoesNotContain("pt-7f3c9e", edit.Stdout + edit.Stderr, StringComparison.Ordinal);

        var (file, mode) = File.ReadAllText(seen).Trim().Split(' ') is [var f, var m] ? (f, m) : throw new InvalidOperationException("editor not run");
        Assert.Equal("600", mode);
        Assert.False(File.Exists(file), $"the plaintext copy {file} is still there");
        Assert.False(Directory.Exists(Path.GetDirectoryName(file)));
        Assert.Equal(Plaintext + "API_TOKEN=pt-7f3c9e-added\n", Run("age", "-d", "-i", OperatorKey, AgeFile));
    }

    [Fact]
    public async Task SecretsEdit_EditorFails_WritesNothing_AndRemovesThePlaintextFile()
    {
        Assert.Equal(0, (await Cli(null, "plan")).ExitCode);
        Assert.Equal(0, (await Cli(Plaintext, "secrets", "encrypt", Env)).ExitCode);
        var before = File.ReadAllText(AgeFile);
        var seen = Path.Combine(keys.Path, "seen");
        var editor = Path.Combine(keys.Path, "editor.sh");
        File.WriteAllText(editor, $"#!/bin/sh\nprintf '%s' \"$1\" > '{seen}'\necho 'X=1' >> \"$1\"\nexit 7\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var edit = CliProcess.Run(["--dir", repo.Path, "secrets", "edit", Env, "--identity-file", OperatorKey],
            new Dictionary<string, string> { ["EDITOR"] = editor, ["VISUAL"] = "" });
        Assert.Equal(1, edit.ExitCode);
        Assert.Contains("exited with 7", edit.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(File.ReadAllText(seen)));
        Assert.Equal(before, File.ReadAllText(AgeFile));
    }

    [Fact]
    public async Task Plan_CiphertextForAnotherNode_WarnsRekey_AndRekeyFixesIt()
    {
        Assert.Equal(0, (await Cli(null, "plan")).ExitCode);
        Assert.Equal(0, (await Cli(Plaintext, "secrets", "encrypt", Env)).ExitCode);

        // The environment moves to node-b (its manifest pins it): its ciphertext is for node-a's key.
        var manifest = Path.Combine(repo.Path, "examples/demo/.hostenv/hostenv.yaml");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("    type: production\n", "    type: production\n    node: node-b\n", StringComparison.Ordinal));
        var moved = await Cli(null, "plan");
        Assert.True(moved.ExitCode == 0, moved.Stderr);
        Assert.Contains("HP2101", moved.Stderr, StringComparison.Ordinal);
        Assert.Contains($"hostenv-provider secrets rekey {Env}", moved.Stderr, StringComparison.Ordinal);
        var planned = JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated/plan.json")))!["environments"]![Env]!;
        Assert.Equal("node-b", planned["node"]!.GetValue<string>());
        Assert.Contains("node-b", planned["encryptedSecrets"]!["rekey"]!.GetValue<string>(), StringComparison.Ordinal);

        var rekey = await Cli(null, "secrets", "rekey", Env, "--identity-file", OperatorKey);
        Assert.True(rekey.ExitCode == 0, rekey.Stderr);
        var after = await Cli(null, "plan");
        Assert.True(after.ExitCode == 0, after.Stderr);
        Assert.DoesNotContain("HP2101", after.Stderr, StringComparison.Ordinal);
        Assert.Equal(Plaintext, Run("age", "-d", "-i", OperatorKey, AgeFile));
    }

    [Fact]
    public async Task Plan_MalformedOperatorRecipient_IsAPositionedError()
    {
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace(OperatorPublic, "age1tooshort", StringComparison.Ordinal));
        var line = File.ReadAllLines(provider).ToList().FindIndex(l => l.Contains("age1tooshort", StringComparison.Ordinal)) + 1;
        var plan = await Cli(null, "plan");
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains($"provider.yaml:{line}:7: error HP2103 [secrets.recipients.0]: recipient 0 is not an age recipient", plan.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        repo.Dispose();
        keys.Dispose();
    }

    private Task<CliResult> Cli(string? stdin, params string[] args) => CliRunner.RunWithStdinAsync(stdin, ["--dir", repo.Path, .. args]);

    private static string Run(string program, params string[] args) => Processes.Run(program, args);
}
