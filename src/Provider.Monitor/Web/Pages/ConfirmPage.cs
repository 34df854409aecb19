using Provider.Monitor.Jobs;
using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>"Deploy environment shop?": what will happen, a reason field, the button that queues it and a way back.</summary>
public static class ConfirmPage
{
    public static Page Render(JobAction action, Viewer viewer, string? reason, string? error, int status = 200)
    {
        var what = JobText.What(action.Request);
        var alert = error is null ? Markup.Empty : H($"""<p class="problems" role="alert" id="action-error">{error}</p>""");
        var invalid = error is null ? Markup.Empty : H($""" aria-invalid="true" """);
        var button = action.Kind == JobKind.Rollback ? "Roll back" : "Deploy";
        return new Page(what + "?", Section.None, H($"""
            <h1>{what}?</h1>
            <p>This queues a job that runs as <code>hostenv-provider {action.Verb}</code> would. It starts when no other job holds its nodes; its page shows the progress.</p>
            {alert}
            <form class="confirm" method="post" action="/actions/{action.Verb}">
            {viewer.FormToken()}
            {action.Fields().Select(f => H($"""<input type="hidden" name="{f.Name}" value="{f.Value}">"""))}
            <div class="field wide">
            <label for="reason">Reason</label>
            <textarea id="reason" name="reason" rows="3" required maxlength="{JobAction.MaxReason}" autofocus aria-describedby="reason-help"{invalid}>{reason}</textarea>
            <small id="reason-help">Why, in a sentence: it is kept with the job and in the audit log.</small>
            </div>
            <div class="buttons">
            <button type="submit">{button}</button>
            <a href="{action.BackUrl}">Back without doing anything</a>
            </div>
            </form>
            """), Status: status, Live: "off");
    }
}
