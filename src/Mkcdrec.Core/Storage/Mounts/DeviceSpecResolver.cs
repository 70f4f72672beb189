namespace Mkcdrec.Core.Storage.Mounts;

/// <summary>Finds the device an fstab/crypttab spec names (UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/…).</summary>
public static class DeviceSpecResolver
{
    /// <summary>The kernel name of the probed device the spec names; paths go to <paramref name="canonicalize"/>.</summary>
    public static string? Resolve(string spec, IReadOnlyDictionary<string, Dictionary<string, string>> probes, Func<string, string?> canonicalize)
    {
        var eq = spec.IndexOf('=');
        if (eq > 0 && !spec.StartsWith('/'))
        {
            var key = spec[..eq].ToUpperInvariant();
            var value = spec[(eq + 1)..].Trim('"');
            return key switch
            {
                "UUID" => FindByProbe(probes, "UUID", value),
                "LABEL" => FindByProbe(probes, "LABEL", value),
                "PARTUUID" => FindByProbe(probes, "PART_ENTRY_UUID", value),
                "PARTLABEL" => FindByProbe(probes, "PART_ENTRY_NAME", value),
                _ => null,
            };
        }

        return canonicalize(spec);
    }

    // UUIDs compare without case (fstab may spell them in capitals); labels and names exactly.
    private static string? FindByProbe(IReadOnlyDictionary<string, Dictionary<string, string>> probes, string key, string value)
    {
        foreach (var (dev, p) in probes)
        {
            if (p.TryGetValue(key, out var v) && string.Equals(v, value, key is "UUID" or "PART_ENTRY_UUID" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            {
                return dev;
            }
        }

        return null;
    }
}
