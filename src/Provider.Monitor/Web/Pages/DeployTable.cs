using System.Collections.Immutable;
using System.Globalization;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>Deploy events, newest first (the history page, a node's page and an environment's page).</summary>
public static class DeployTable
{
    private static readonly string[] Columns = ["Time", "Node", "Environment", "Release", "Rev", "Outcome", "Duration"];

    public static Markup Render(string caption, ImmutableArray<DeployEvent> events, DateTimeOffset now) =>
        HtmlTable.Render("deploys", caption, Columns, events.IsDefault ? [] : events, e => Row(e, now), "No deploys recorded.");

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
