namespace Mkcdrec.Core.Storage.Md;

/// <summary>`mdadm --detail DEV`: its "Key : value" lines (Layout, Intent Bitmap, Name, UUID).</summary>
public static class MdadmDetailParser
{
    public static Dictionary<string, string> Parse(string detail)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in detail.Split('\n'))
        {
            var c = line.IndexOf(" : ", StringComparison.Ordinal);
            if (c > 0)
            {
                fields.TryAdd(line[..c].Trim(), line[(c + 3)..].Trim());
            }
        }

        return fields;
    }
}
