using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Nodes.Repository;

namespace Provider.Nodes.Apply;

/// <summary>
/// The local journal of the last deploy of a provider repo: every step of every environment, rewritten
/// atomically after each step, so `deploy --resume` continues an interrupted run from the first unfinished
/// step. Kept outside the repo (under $XDG_STATE_HOME or ~/.local/state), keyed by the repo's path.
/// </summary>
public sealed class DeployJournal
{
    private readonly object gate = new();
    private readonly string path;
    private readonly JsonObject root;

    private DeployJournal(string path, JsonObject root)
    {
        this.path = path;
        this.root = root;
    }

    public string InputsHash => root["inputsHash"]?.GetValue<string>() ?? "";

    public bool Complete => root["complete"]?.GetValue<bool>() == true;

    public static string PathFor(string repoDir)
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(repoDir))))[..16];
        return Path.Combine(state, "hostenv-provider", "journal", id + ".json");
    }

    public static DeployJournal? Load(string repoDir)
    {
        var file = PathFor(repoDir);
        return File.Exists(file) && JsonNode.Parse(File.ReadAllText(file)) is JsonObject o ? new DeployJournal(file, o) : null;
    }

    public static DeployJournal Start(string repoDir, string inputsHash, DateTimeOffset now)
    {
        var journal = new DeployJournal(PathFor(repoDir), new JsonObject
        {
            ["inputsHash"] = inputsHash,
            ["started"] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["complete"] = false,
            ["nodes"] = new JsonObject(),
        });
        journal.Save();
        return journal;
    }

    /// <summary>The last step recorded for a node's system stage ("system") or an environment.</summary>
    public string? LastStep(string node, string key)
    {
        lock (gate)
        {
            return root["nodes"]?[node]?[key]?["step"]?.GetValue<string>();
        }
    }

    /// <summary>Whether an environment got to the end of its deploy (deployed, already up to date, or nothing to ship): resume skips it.</summary>
    public bool IsFinished(string node, string environment) => LastStep(node, environment) is "done" or "up-to-date" or "skipped";

    public void Record(string node, string key, string step, string? detail = null)
    {
        if (!FaultInjection.Steps.Contains(step))
        {
            throw new ArgumentException($"'{step}' is not a journal step (FaultInjection.Steps lists them)", nameof(step));
        }

        lock (gate)
        {
            var nodes = (JsonObject)root["nodes"]!;
            if (nodes[node] is not JsonObject n)
            {
                nodes[node] = n = new JsonObject();
            }

            n[key] = new JsonObject { ["step"] = step, ["detail"] = detail };
            Save();
        }

        FaultInjection.AtStep(key, step); // test-only, inert unless HOSTENV_PROVIDER_FAULT is set
    }

    public void Finish(bool complete)
    {
        lock (gate)
        {
            root["complete"] = complete;
            Save();
        }
    }

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"));
    }
}
