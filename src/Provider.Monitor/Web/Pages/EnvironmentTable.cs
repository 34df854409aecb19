using System.Collections.Immutable;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>A node's environments: one row each, with data-env and data-health for scripts and tests.</summary>
public static class EnvironmentTable
{
    public static Markup Render(string node, ImmutableArray<EnvironmentSnapshot> environments, DateTimeOffset now)
    {
        if (environments.IsDefaultOrEmpty)
        {
            return H($"""<p class="none">No environments.</p>""");
        }

        return H($"""
            <div class="table-wrap">
            <table class="envs">
            <caption>Environments on {node}</caption>
            <thead><tr>
            <th scope="col">Environment</th><th scope="col">Health</th><th scope="col">Kind</th><th scope="col">Release</th>
            <th scope="col">Rev</th><th scope="col">Slot</th><th scope="col">Service</th><th scope="col">HTTP</th><th scope="col">Last deploy</th>
            </tr></thead>
            <tbody>
            {environments.Select(e => Row(e, now))}
            </tbody>
            </table>
            </div>
            """);
    }

    private static Markup Row(EnvironmentSnapshot e, DateTimeOffset now) => H($"""
        <tr data-env="{e.Environment}" data-health="{Format.HealthKey(e.Health)}">
        <th scope="row"><a href="/envs/{Uri.EscapeDataString(e.Environment)}">{e.Environment}</a></th>
        <td>{Format.HealthBadge(e.Health)}</td>
        <td>{e.Kind}</td>
        <td>{Format.Text(e.Release)}</td>
        <td>{Rev(e.Rev)}</td>
        <td>{Format.Text(e.Slot)}</td>
        <td>{Format.Text(e.Service)}</td>
        <td>{HttpStatus(e.HttpStatus)}</td>
        <td>{LastDeploy(e, now)}</td>
        </tr>
        """);

    public static Markup Rev(string? rev) => rev is { Length: > 12 }
        ? H($"""<code title="{rev}">{rev[..12]}</code>""")
        : H($"""<code>{Format.Text(rev)}</code>""");

    private static Markup HttpStatus(int? status) => status switch
    {
        null => H($"""<span class="none">–</span>"""),
        >= 500 => H($"""<span class="status-bad">{status}</span>"""),
        >= 400 => H($"""<span class="status-warn">{status}</span>"""),
        _ => H($"""<span>{status}</span>"""),
    };

    private static Markup LastDeploy(EnvironmentSnapshot e, DateTimeOffset now) => e.LastDeployTime is null
        ? H($"""<span class="none">never</span>""")
        : H($"""{Format.Time(e.LastDeployTime, now)} <span class="outcome">{Format.Text(e.LastDeployOutcome)}</span>""");
}
