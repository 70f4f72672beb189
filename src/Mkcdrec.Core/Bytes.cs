namespace Mkcdrec.Core;

/// <summary>Byte counts as humans read them: "38.2 GiB", "30 GiB", "512 MiB".</summary>
public static class Bytes
{
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = bytes;
        var u = 0;
        while (Math.Abs(v) >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }

        var rounded = Math.Round(v, 1);
        return (rounded == Math.Floor(rounded) ? ((long)rounded).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : rounded.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)) + " " + units[u];
    }
}
