using System.Collections.Immutable;
using System.Globalization;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>
/// The deploy and rollback buttons on an environment's and a node's page, for Deploy tokens when a job queue is
/// there. They are GET forms to a confirmation page (which asks for a reason); nothing is queued from here.
/// </summary>
public static class ActionForms
{
    /// <summary>Deploy, and roll back to a release from the environment's history (newest first) or the previous good one.</summary>
    public static Markup ForEnvironment(MonitorServices m, Viewer viewer, string env, string? current, ImmutableArray<DeployEvent> deploys)
    {
        if (!viewer.CanAct(m))
        {
            return Markup.Empty;
        }

        var releases = (deploys.IsDefault ? [] : deploys)
            .Where(d => d.Environment == env && d.Release.Length > 0 && d.Release != current)
            .Select(d => d.Release)
            .Distinct(StringComparer.Ordinal)
            .Select(r => H($"""<option value="{r}">release {r}</option>"""));
        return Section(H($"""
            <form method="get" action="/actions/deploy">
            <input type="hidden" name="env" value="{env}">
            <button type="submit">Deploy {env}…</button>
            </form>
            <form method="get" action="/actions/rollback" class="inline-form" data-live-form>
            <input type="hidden" name="env" value="{env}">
            <label for="rollback-to">Roll back to</label>
            <select id="rollback-to" name="to">
            <option value="">the previous good release</option>
            {releases}
            </select>
            <button type="submit" class="secondary">Roll back…</button>
            </form>
            """));
    }

    /// <summary>Deploy the node, and roll it back to one of its other generations.</summary>
    public static Markup ForNode(MonitorServices m, Viewer viewer, string node, ImmutableArray<GenerationEntry> generations)
    {
        if (!viewer.CanAct(m))
        {
            return Markup.Empty;
        }

        var older = (generations.IsDefault ? [] : generations).Where(g => !g.Current).OrderByDescending(g => g.Number).ToList();
        var rollback = older.Count == 0
            ? H($"""<p class="none">No other generation to roll back to.</p>""")
            : H($"""
                <form method="get" action="/actions/rollback" class="inline-form" data-live-form>
                <input type="hidden" name="node" value="{node}">
                <label for="rollback-generation">Roll back to generation</label>
                <select id="rollback-generation" name="to">
                {older.Select(g => H($"""<option value="{g.Number.ToString(CultureInfo.InvariantCulture)}">{g.Number} ({g.Id})</option>"""))}
                </select>
                <button type="submit" class="secondary">Roll back…</button>
                </form>
                """);
        return Section(H($"""
            <form method="get" action="/actions/deploy">
            <input type="hidden" name="node" value="{node}">
            <button type="submit">Deploy node {node}…</button>
            </form>
            {rollback}
            """));
    }

    private static Markup Section(Markup forms) => H($"""
        <section class="actions" aria-labelledby="actions-heading">
        <h2 id="actions-heading">Actions</h2>
        <div class="action-forms">
        {forms}
        </div>
        <p class="detail">Each asks for confirmation and a reason first.</p>
        </section>
        """);
}
