using System.Globalization;
using System.Text;

namespace Provider.Planning.Output;

/// <summary>A line-based unified diff (Myers' algorithm after trimming the common prefix and suffix).</summary>
public static class UnifiedDiff
{
    private const int MaxEditDistance = 4000;

    public static string Create(string oldName, string newName, string oldText, string newText, int context = 3)
    {
        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        var edits = Diff(a, b);
        if (edits.All(e => e.Kind == ' '))
        {
            return "";
        }

        var sb = new StringBuilder();
        sb.Append("--- ").Append(oldName).Append('\n').Append("+++ ").Append(newName).Append('\n');
        var i = 0;
        while (i < edits.Count)
        {
            if (edits[i].Kind == ' ')
            {
                i++;
                continue;
            }

            var start = Math.Max(0, i - context);
            var end = i;
            var lastChange = i;
            while (end < edits.Count && (edits[end].Kind != ' ' || end - lastChange <= 2 * context))
            {
                if (edits[end].Kind != ' ')
                {
                    lastChange = end;
                }

                end++;
            }

            end = Math.Min(edits.Count, lastChange + context + 1);
            var hunk = edits.GetRange(start, end - start);
            var oldStart = hunk.FirstOrDefault(e => e.Kind != '+').OldLine;
            var newStart = hunk.FirstOrDefault(e => e.Kind != '-').NewLine;
            var oldCount = hunk.Count(e => e.Kind != '+');
            var newCount = hunk.Count(e => e.Kind != '-');
            sb.Append(CultureInfo.InvariantCulture, $"@@ -{(oldCount == 0 ? oldStart : oldStart + 1)},{oldCount} +{(newCount == 0 ? newStart : newStart + 1)},{newCount} @@\n");
            foreach (var e in hunk)
            {
                sb.Append(e.Kind).Append(e.Text).Append('\n');
            }

            i = end;
        }

        return sb.ToString();
    }

    private static string[] SplitLines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var lines = text.Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    private readonly record struct Edit(char Kind, string Text, int OldLine, int NewLine);

    private static List<Edit> Diff(string[] a, string[] b)
    {
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix])
        {
            suffix++;
        }

        var result = new List<Edit>();
        for (var k = 0; k < prefix; k++)
        {
            result.Add(new Edit(' ', a[k], k, k));
        }

        result.AddRange(Myers(a, b, prefix, a.Length - suffix, prefix, b.Length - suffix));
        for (var k = 0; k < suffix; k++)
        {
            var oi = a.Length - suffix + k;
            var ni = b.Length - suffix + k;
            result.Add(new Edit(' ', a[oi], oi, ni));
        }

        return result;
    }

    private static List<Edit> Myers(string[] a, string[] b, int aStart, int aEnd, int bStart, int bEnd)
    {
        var n = aEnd - aStart;
        var m = bEnd - bStart;
        var max = n + m;
        var v = new int[(2 * max) + 2];
        var trace = new List<int[]>();
        for (var d = 0; d <= max; d++)
        {
            if (d > MaxEditDistance)
            {
                // Bounded memory for wholesale rewrites: show it as one replacement.
                return [.. Enumerable.Range(aStart, n).Select(i => new Edit('-', a[i], i, bStart)),
                        .. Enumerable.Range(bStart, m).Select(j => new Edit('+', b[j], aEnd, j))];
            }

            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[max + k - 1] < v[max + k + 1]) ? v[max + k + 1] : v[max + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[aStart + x] == b[bStart + y])
                {
                    x++;
                    y++;
                }

                v[max + k] = x;
                if (x >= n && y >= m)
                {
                    return Backtrack(trace, a, b, aStart, bStart, n, m, max, d);
                }
            }
        }

        return [];
    }

    private static List<Edit> Backtrack(List<int[]> trace, string[] a, string[] b, int aStart, int bStart, int n, int m, int max, int dEnd)
    {
        var edits = new List<Edit>();
        int x = n, y = m;
        for (var d = dEnd; d > 0; d--)
        {
            var v = trace[d];
            var k = x - y;
            var prevK = k == -d || (k != d && v[max + k - 1] < v[max + k + 1]) ? k + 1 : k - 1;
            var prevX = v[max + prevK];
            var prevY = prevX - prevK;
            while (x > prevX && y > prevY)
            {
                x--;
                y--;
                edits.Add(new Edit(' ', a[aStart + x], aStart + x, bStart + y));
            }

            if (x == prevX)
            {
                y--;
                edits.Add(new Edit('+', b[bStart + y], aStart + x, bStart + y));
            }
            else
            {
                x--;
                edits.Add(new Edit('-', a[aStart + x], aStart + x, bStart + y));
            }
        }

        while (x > 0 && y > 0)
        {
            x--;
            y--;
            edits.Add(new Edit(' ', a[aStart + x], aStart + x, bStart + y));
        }

        edits.Reverse();
        return edits;
    }
}
