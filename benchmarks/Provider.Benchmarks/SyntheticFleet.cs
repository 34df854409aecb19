using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;

namespace Provider.Benchmarks;

/// <summary>A synthetic fleet: N environments (5 per project, all three types) over N/50 nodes, as in-memory input files.</summary>
public static class SyntheticFleet
{
    public const int EnvironmentsPerProject = 5;

    public static PlanInput Generate(int environments)
    {
        var nodes = Math.Max(1, environments / 50);
        var projects = (environments + EnvironmentsPerProject - 1) / EnvironmentsPerProject;
        var inv = CultureInfo.InvariantCulture;

        var provider = new StringBuilder();
        provider.Append("hostenvHostname: hosting.test\ndeployUser: deploy\n");
        provider.Append("letsEncrypt: { adminEmail: ops@hosting.test, acceptTerms: true }\n");
        provider.Append("nodeFor: { default: node-0000 }\ndefaults:\n  resources: { cpuQuota: 100%, memoryMax: 1G }\nprojects:\n");
        for (var p = 0; p < projects; p++)
        {
            provider.Append(inv, $"  org{p % 37}__proj{p:D5}: {{ path: projects/p{p:D5} }}\n");
        }

        var nodeInputs = Enumerable.Range(0, nodes).Select(n => new NodeInput(
            $"node-{n:D4}",
            new SourceFile($"nodes/node-{n:D4}/node.yaml",
                string.Create(inv, $"address: 10.{n / 250}.{n % 250}.1\nport: 22\nuser: deploy\nhostKey: \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3RrZXktYmVuY2gtMDAwMDAwMDAwMDAwMDAwMDAw\"\naddresses: [10.{n / 250}.{n % 250}.1]\n")))).ToImmutableArray();

        var types = new[] { "production", "testing", "development", "development", "testing" };
        var projectInputs = ImmutableArray.CreateBuilder<ProjectInput>();
        var env = 0;
        for (var p = 0; p < projects; p++)
        {
            var m = new StringBuilder();
            m.Append(inv, $"organisation: org{p % 37}\nproject: proj{p:D5}\ndefaultEnvironment: e0\nenvironments:\n");
            for (var e = 0; e < EnvironmentsPerProject && env < environments; e++, env++)
            {
                m.Append(inv, $"  e{e}:\n    type: {types[e]}\n    node: node-{env % nodes:D4}\n");
                m.Append(inv, $"    users:\n      dev{e}: {{ email: dev{e}@proj{p}.test, publicKeys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVzZXJrZXktYmVuY2gtMDAwMDAwMDAwMDAwMDAwMDAw dev\"] }}\n");
                m.Append(inv, $"    virtualHosts:\n      e{e}.proj{p:D5}.hosting.test: {{}}\n      www.e{e}.proj{p:D5}.hosting.test: {{ globalRedirect: e{e}.proj{p:D5}.hosting.test }}\n");
                m.Append("    app: { run: ./server, healthCheck: { path: /health } }\n");
            }

            projectInputs.Add(new ProjectInput($"org{p % 37}__proj{p:D5}", new SourceFile($"projects/p{p:D5}/.hostenv/hostenv.yaml", m.ToString()), null));
        }

        return new PlanInput(new SourceFile("provider.yaml", provider.ToString()), nodeInputs, projectInputs.ToImmutable(), null);
    }
}
