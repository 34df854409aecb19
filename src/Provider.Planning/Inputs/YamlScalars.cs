using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Provider.Planning.Inputs;

/// <summary>What a YAML scalar means: the YAML 1.2 core schema, so 'yes', 'on' and 'no' stay text.</summary>
internal static class YamlScalars
{
    public static JsonValue? Resolve(Scalar scalar)
    {
        var v = scalar.Value;
        var explicitString = !scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value is "tag:yaml.org,2002:str";
        if (scalar.Style != ScalarStyle.Plain || explicitString)
        {
            return JsonValue.Create(v);
        }

        // YAML 1.2 core schema resolution of plain scalars.
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (IsDecimalInteger(v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (v.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(v[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }

        if (IsFloat(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(v);
    }

    private static bool IsDecimalInteger(string v)
    {
        var start = v.Length > 0 && (v[0] == '-' || v[0] == '+') ? 1 : 0;
        if (v.Length == start)
        {
            return false;
        }

        for (var i = start; i < v.Length; i++)
        {
            if (!char.IsAsciiDigit(v[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFloat(string v)
    {
        var digits = false;
        foreach (var c in v)
        {
            if (char.IsAsciiDigit(c))
            {
                digits = true;
            }
            else if (c is not ('.' or 'e' or 'E' or '-' or '+'))
            {
                return false;
            }
        }

        return digits && (v.Contains('.', StringComparison.Ordinal) || v.Contains('e', StringComparison.OrdinalIgnoreCase));
    }
}
