using Provider.Monitor.Storage;
using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>/envs/{env}: the environment's state on its node, its deploys and the last 50 log lines.</summary>
public static class EnvPage
{
    private const int Tail = 50;

    public static async Task<Page> RenderAsync(MonitorServices m, Viewer viewer, string env, CancellationToken ct)
    {
        var fleet = await m.Store.GetFleetAsync(ct);
        var hosts = fleet
            .SelectMany(n => n.Environments.Where(e => e.Environment == env).Select(e => (n.Node, Snapshot: e)))
            .ToList();
        var deploys = await m.Store.GetHistoryAsync(null, env, 50, ct);
        if (hosts.Count == 0 && deploys.IsDefaultOrEmpty)
        {
            return NotFoundPage.Render("environment", env);
        }

        var now = m.Now;
        var logs = await m.Store.SearchLogsAsync(new LogQuery(Environment: env, Limit: Tail), ct);
        var state = hosts.Count == 0
            ? H($"""<p class="none">Not on any node at the last collection.</p>""")
            : H($"""{hosts.Select(h => EnvironmentTable.Render(h.Node, [h.Snapshot], now))}""");
        var actions = ActionForms.ForEnvironment(m, viewer, env, hosts.Count == 0 ? null : hosts[0].Snapshot.Release, deploys);
        return new Page($"Environment {env}", Section.None, H($"""
            <h1>Environment {env}</h1>
            {actions}
            <h2>Current state</h2>
            {state}
            <h2>Releases</h2>
            {DeployTable.Render($"Deploys of {env}, newest first", deploys, now)}
            <h2>Log tail</h2>
            <p><a href="/logs?env={Uri.EscapeDataString(env)}">Search this environment's logs</a></p>
            {LogTable.Render($"The last {Tail} log lines of {env}, newest first", logs.Hits)}
            """), Live: viewer.CanAct(m) ? "form" : "on");
    }
}
