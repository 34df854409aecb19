using System.Collections.Immutable;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Provider.Planning.Containers;

/// <summary>
/// A compose file as a tree of YAML nodes that remember where they start. Unlike the planner's own inputs, compose
/// files legitimately use anchors, merge keys (`&lt;&lt;: *defaults`) and compose's tags (`!reset`, `!override`), so
/// this reader accepts them: an alias is the anchored node itself (its position is where its text is), a merge key's
/// mappings are added after the explicit keys. Repeated keys are all kept, so a policy sees every value a YAML
/// reader might pick.
/// </summary>
internal abstract record ComposeNode(Mark Start);

internal sealed record ComposeScalar(Mark Start, string Value, bool Plain) : ComposeNode(Start)
{
    /// <summary>YAML 1.1 and 1.2 true (compose's own loader reads both).</summary>
    public bool IsTrue => Plain && Value is "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y";

    public bool IsFalseOrEmpty => Value.Length == 0 || (Plain && Value is "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N" or "null" or "~");
}

internal sealed record ComposeSequence(Mark Start, ImmutableArray<ComposeNode> Items) : ComposeNode(Start);

internal sealed record ComposeMapping(Mark Start, ImmutableArray<(ComposeScalar Key, ComposeNode Value)> Pairs) : ComposeNode(Start)
{
    /// <summary>Every value under the key (a file may repeat a key; each is checked).</summary>
    public IEnumerable<(ComposeScalar Key, ComposeNode Value)> All(string key) => Pairs.Where(p => p.Key.Value == key);

    public ComposeNode? this[string key] => Pairs.FirstOrDefault(p => p.Key.Value == key).Value;
}

internal static class ComposeTree
{
    /// <summary>The documents of the file; throws <see cref="YamlException"/> on a syntax error.</summary>
    public static ImmutableArray<ComposeNode> Read(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, ComposeNode>(StringComparer.Ordinal);
        var documents = ImmutableArray.CreateBuilder<ComposeNode>();
        parser.Consume<StreamStart>();
        while (parser.TryConsume<DocumentStart>(out _))
        {
            documents.Add(Node(parser, anchors));
            parser.Consume<DocumentEnd>();
        }

        parser.Consume<StreamEnd>();
        return documents.ToImmutable();
    }

    private static ComposeNode Node(IParser parser, Dictionary<string, ComposeNode> anchors)
    {
        var ev = parser.Current ?? throw new YamlException("unexpected end of the file");
        ComposeNode node;
        switch (ev)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                return anchors.TryGetValue(alias.Value.Value, out var target)
                    ? target
                    : throw new YamlException(alias.Start, alias.End, $"alias '*{alias.Value.Value}' refers to no anchor defined before it");
            case Scalar scalar:
                parser.MoveNext();
                node = new ComposeScalar(scalar.Start, scalar.Value, scalar.Style == ScalarStyle.Plain);
                break;
            case SequenceStart:
                parser.MoveNext();
                var items = ImmutableArray.CreateBuilder<ComposeNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(Node(parser, anchors));
                }

                node = new ComposeSequence(ev.Start, items.ToImmutable());
                break;
            case MappingStart:
                parser.MoveNext();
                var pairs = ImmutableArray.CreateBuilder<(ComposeScalar, ComposeNode)>();
                var merged = new List<(ComposeScalar, ComposeNode)>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = Node(parser, anchors);
                    var value = Node(parser, anchors);
                    if (keyNode is not ComposeScalar key)
                    {
                        continue; // a list or mapping as a key: compose refuses the file; nothing for the policy
                    }

                    if (key is { Value: "<<", Plain: true })
                    {
                        var sources = value is ComposeSequence s ? s.Items : [value];
                        merged.AddRange(sources.OfType<ComposeMapping>().SelectMany(m => m.Pairs));
                    }
                    else
                    {
                        pairs.Add((key, value));
                    }
                }

                // Explicit keys win over merged ones, but a merged value is still checked unless a key overrides it.
                pairs.AddRange(merged.Where(m => !pairs.Any(p => p.Item1.Value == m.Item1.Value)));
                node = new ComposeMapping(ev.Start, pairs.ToImmutable());
                break;
            default:
                throw new YamlException(ev.Start, ev.End, $"unexpected {ev.GetType().Name}");
        }

        if (ev is NodeEvent { Anchor.IsEmpty: false } anchored)
        {
            anchors[anchored.Anchor.Value] = node;
        }

        return node;
    }
}
