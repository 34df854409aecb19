using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Provider.Monitor.Web.Html;

/// <summary>
/// HTML that may be written as it is. There are two ways to get one: <see cref="Markup.H"/>, whose every
/// interpolated value is HTML-encoded unless it is itself Markup, and <see cref="Markup.Trusted"/> for text that
/// is already HTML-safe (the store's highlighted log messages). Pages are built only from these.
/// </summary>
public sealed class Markup
{
    private Markup(string value) => Value = value;

    public static Markup Empty { get; } = new(string.Empty);

    public string Value { get; }

    /// <summary>The one HTML template: literals pass through, every hole is encoded (see <see cref="MarkupHandler"/>).</summary>
    public static Markup H(MarkupHandler template) => template.ToMarkup();

    /// <summary>For text that is HTML-safe by contract, such as <c>LogHit.Highlighted</c>. Never for user or node text.</summary>
    public static Markup Trusted(string html) => new(html);

    public static Markup Join(IEnumerable<Markup> parts) => new(string.Concat(parts.Select(p => p.Value)));

    public override string ToString() => Value;

    internal static Markup FromBuilder(StringBuilder builder) => new(builder.ToString());
}

/// <summary>
/// Builds <see cref="Markup"/> from an interpolated string. Values are formatted with the invariant culture and
/// HTML-encoded; Markup values (and sequences of them) are inserted as they are.
/// </summary>
[InterpolatedStringHandler]
public readonly ref struct MarkupHandler
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);
    private readonly StringBuilder builder;

    public MarkupHandler(int literalLength, int formattedCount)
    {
        builder = new StringBuilder(literalLength + (formattedCount * 16));
    }

    public void AppendLiteral(string literal) => builder.Append(literal);

    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public void AppendFormatted<T>(T value, string? format)
    {
        // Checked at run time, not by overloads: a generic T (an ImmutableArray<Markup>, say) would win overload
        // resolution and be encoded as text.
        switch (value)
        {
            case null:
                return;
            case Markup markup:
                builder.Append(markup.Value);
                return;
            case IEnumerable<Markup> parts:
                foreach (var part in parts)
                {
                    builder.Append(part.Value);
                }

                return;
            case IFormattable formattable:
                builder.Append(Encoder.Encode(formattable.ToString(format, CultureInfo.InvariantCulture)));
                return;
            default:
                builder.Append(Encoder.Encode(value.ToString() ?? string.Empty));
                return;
        }
    }

    public Markup ToMarkup() => Markup.FromBuilder(builder);
}
