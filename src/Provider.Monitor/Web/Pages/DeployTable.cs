using System.Collections.Immutable;
using System.Globalization;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>Deploy events, newest first (the history page, a node's page and an environment's page).</summary>
public static class DeployTable
{
    public static Markup Render(string caption, ImmutableArray<DeployEvent> events, DateTimeOffset now)
    {
        if (events.IsDefaultOrEmpty)
        {
            return H($"""<p class="none">No deploys recorded.</p>""");
        }

        return H($"""
            <div class="table-wrap">
            <table class="deploys">
            <caption>{caption}</caption>
            <thead><tr>
            <th scope="col">Time</th><th scope="col">Node</th><th scope="col">Environment</th><th scope="col">Release</th>
            <th scope="col">Rev</th><th scope="col">Outcome</th><th scope="col">Duration</th>
            </tr></thead>
            <tbody>
            {events.Select(e => Row(e, now))}
            </tbody>
            </table>
            </div>
            """);
    }

    private static Markup Row(DeployEvent e, DateTimeOffset now) => H($"""
        <tr data-deploy-env="{e.Environment}">
        <td>{Format.Time(e.Time, now)}</td>
        <td><a href="/nodes/{Uri.EscapeDataString(e.Node)}">{e.Node}</a></td>
        <td>{EnvLink(e.Environment)}</td>
        <td>{e.Release}</td>
        <td>{EnvironmentTable.Rev(e.Rev)}</td>
        <td><span class="badge outcome-{OutcomeClass(e.Outcome)}">{e.Outcome}</span></td>
        <td>{(e.Seconds is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "–")}</td>
        </tr>
        """);

    /// <summary>"(system)" marks a generation switch, which has no environment page.</summary>
    private static Markup EnvLink(string environment) => environment.StartsWith('(')
        ? H($"""<span>{environment}</span>""")
        : H($"""<a href="/envs/{Uri.EscapeDataString(environment)}">{environment}</a>""");

    private static string OutcomeClass(string outcome) => outcome.ToLowerInvariant() switch
    {
        "ok" or "success" or "succeeded" or "deployed" => "ok",
        "failed" or "failure" or "error" or "rolled-back" or "rollback" => "bad",
        _ => "other",
    };
}
