using System.Collections.Immutable;
using System.Text;

namespace Provider.Planning.Render;

/// <summary>An nginx configuration as data: directives and blocks. Text only comes out of <see cref="NginxWriter"/>.</summary>
public abstract record NginxNode;

public sealed record NginxDirective(string Name, ImmutableArray<string> Args) : NginxNode
{
    public NginxDirective(string name, params string[] args)
        : this(name, ImmutableArray.Create(args))
    {
    }
}

public sealed record NginxBlock(string Name, ImmutableArray<string> Args, ImmutableArray<NginxNode> Children) : NginxNode;

/// <summary>Operator-supplied raw configuration (extraConfig), inserted verbatim; `nginx -t` validates it before any switch.</summary>
public sealed record NginxRaw(string Text) : NginxNode;

public sealed record NginxComment(string Text) : NginxNode;

/// <summary>The one place nginx text is produced: quoting and escaping of every argument happen here.</summary>
public static class NginxWriter
{
    public static string Write(IEnumerable<NginxNode> nodes)
    {
        var sb = new StringBuilder();
        foreach (var node in nodes)
        {
            Write(sb, node, 0);
        }

        return sb.ToString();
    }

    /// <summary>Quotes an argument when nginx would otherwise split or misread it.</summary>
    public static string Quote(string arg)
    {
        if (arg.Any(c => c is '\n' or '\r' or '\0'))
        {
            throw new ArgumentException("an nginx argument cannot contain a line break or NUL", nameof(arg));
        }

        var needsQuotes = arg.Length == 0 || arg.Any(c => char.IsWhiteSpace(c) || c is ';' or '{' or '}' or '"' or '\'' or '#' or '\\');
        return needsQuotes ? "\"" + arg.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : arg;
    }

    private static void Write(StringBuilder sb, NginxNode node, int depth)
    {
        var indent = new string(' ', depth * 4);
        switch (node)
        {
            case NginxDirective d:
                sb.Append(indent).Append(d.Name);
                foreach (var a in d.Args)
                {
                    sb.Append(' ').Append(Quote(a));
                }

                sb.Append(";\n");
                break;
            case NginxBlock b:
                sb.Append(indent).Append(b.Name);
                foreach (var a in b.Args)
                {
                    sb.Append(' ').Append(Quote(a));
                }

                sb.Append(" {\n");
                foreach (var child in b.Children)
                {
                    Write(sb, child, depth + 1);
                }

                sb.Append(indent).Append("}\n");
                break;
            case NginxRaw r:
                foreach (var line in r.Text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
                {
                    sb.Append(indent).Append(line).Append('\n');
                }

                break;
            case NginxComment c:
                sb.Append(indent).Append("# ").Append(c.Text.Replace('\n', ' ')).Append('\n');
                break;
        }
    }
}
