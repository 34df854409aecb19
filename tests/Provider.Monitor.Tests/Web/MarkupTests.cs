using System.Collections.Immutable;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Tests.Web;

public class MarkupTests
{
    [Fact]
    public void Template_TextAndMarkupHoles_EncodesOnlyText()
    {
        var text = "<script>alert('x')</script> & \"q\"";
        ImmutableArray<Markup> items = [H($"<i>{1.5}</i>"), Trusted("<mark>ok</mark>")];
        var html = H($"""<p title="{text}">{text}{H($"<b>{"ü"}</b>")}{items}</p>""").Value;
        Assert.Equal(
            "<p title=\"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;\">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;<b>ü</b><i>1.5</i><mark>ok</mark></p>",
            html);
    }
}
