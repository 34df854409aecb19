using System.Collections.Immutable;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>A node's environments: one row each, with data-env and data-health for scripts and tests.</summary>
public static class EnvironmentTable
{
    private static readonly string[] Columns = ["Environment", "Health", "Kind", "Release", "Rev", "Slot", "Service", "HTTP", "Last deploy"];

    public static Markup Render(string node, ImmutableArray<EnvironmentSnapshot> environments, DateTimeOffset now) =>
        HtmlTable.Render("envs", $"Environments on {node}", Columns, environments.IsDefault ? [] : environments, e => Row(e, now), "No environments.");

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
