using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mkcdrec.Core.Serve;

/// <summary>A client's state as serve sees it: its lease, what it fetched, how many bytes serve sent it.</summary>
public sealed record ServeClientEvent(string Mac, string? Hostname, string? Address, string Phase, long HttpBytes, string? Error);

/// <summary>
/// The status view of serve: one line per client each time its phase changes (lease, boot loader, kernel, initramfs,
/// backup, fetched), from dnsmasq's log lines and serve's own HTTP requests. Clients are known by MAC once leased.
/// </summary>
/// <param name="recovered">A client (its MAC) reported its recovery finished: serve makes its own disk its next boot.</param>
public sealed partial class ServeStatus(IReadOnlyList<ServeHost> hosts, Action<ServeClientEvent> changed, Action<string>? recovered = null)
{
    private readonly ConcurrentDictionary<string, string> _macByAddress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServeClientEvent> _clients = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public IReadOnlyCollection<ServeClientEvent> Clients => [.. _clients.Values];

    /// <summary>One line of dnsmasq's log: a lease (DHCPACK) or a file sent by TFTP.</summary>
    public void DnsmasqLine(string line)
    {
        if (Ack().Match(line) is { Success: true } ack)
        {
            var (address, mac) = (ack.Groups[1].Value, ack.Groups[2].Value.ToLowerInvariant());
            _macByAddress[address] = mac;
            Update(mac, address, "leased " + address, 0, null);
        }
        else if (Sent().Match(line) is { Success: true } sent && _macByAddress.TryGetValue(sent.Groups[2].Value, out var m))
        {
            // GRUB's core image, then its menu; the modules it loads on the way (.mod, .lst) are no phase of their own.
            var file = sent.Groups[1].Value;
            if (file.EndsWith(".cfg", StringComparison.Ordinal) || file.EndsWith(".0", StringComparison.Ordinal) || file.EndsWith(".efi", StringComparison.Ordinal))
            {
                Update(m, sent.Groups[2].Value, file.EndsWith(".cfg", StringComparison.Ordinal) ? "boot menu (TFTP)" : "boot loader (TFTP)", 0, null);
            }
        }
    }

    /// <summary>One HTTP request served.</summary>
    public void Served(ServedRequest r)
    {
        var mac = _macByAddress.TryGetValue(r.Client, out var m) ? m : "address " + r.Client;
        var phase = r.Path switch
        {
            "/vmlinuz" => "kernel (HTTP)",
            "/initrd.img" => "initramfs (HTTP)",
            _ => "fetching the backup (HTTP)",
        };
        // A 404 for a file the fetcher only tries (layout.json beside the manifest) is no error; a missing kernel is.
        var error = r.Status >= 500 || (r.Status >= 400 && (r.Path is "/vmlinuz" or "/initrd.img" || r.Path.EndsWith("/manifest.json", StringComparison.Ordinal)))
            ? $"HTTP {r.Status} for {r.Path}" : null;
        Update(mac, r.Client, phase, r.Bytes, error);
    }

    /// <summary>A phase the client's rescue system reported (mkcdrec.report=): its recovery, or that it sits at the menu.</summary>
    public void Reported(string client, string phase)
    {
        var known = _macByAddress.TryGetValue(client, out var m);
        var mac = known ? m! : "address " + client;
        var done = known && recovered is not null && phase.StartsWith("recovered", StringComparison.Ordinal);
        Update(mac, client, "rescue system: " + phase + (done ? " (its next network boot starts its own disk)" : ""), 0,
            phase.Contains("FAILED", StringComparison.Ordinal) ? phase : null);
        if (done)
        {
            recovered!(mac);
        }
    }

    private void Update(string mac, string? address, string phase, long bytes, string? error)
    {
        ServeClientEvent next;
        lock (_lock)
        {
            var before = _clients.GetValueOrDefault(mac);
            var host = hosts.FirstOrDefault(h => h.Mac == mac)?.Hostname;
            next = new ServeClientEvent(mac, host, address ?? before?.Address, phase, (before?.HttpBytes ?? 0) + bytes, error);
            _clients[mac] = next;
            if (before is not null && before.Phase == phase && error is null && !CrossedMib(before.HttpBytes, next.HttpBytes))
            {
                return;
            }
        }

        changed(next);
    }

    /// <summary>A backup's many volumes make one line per 64 MiB sent, not one per file.</summary>
    private static bool CrossedMib(long before, long after) => before / (64 << 20) != after / (64 << 20);

    public static string Describe(ServeClientEvent e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.Hostname ?? "(not in the hosts file)"} {e.Mac}{(e.Address is null ? "" : " " + e.Address)}: {e.Phase}, {e.HttpBytes / 1048576.0:0.0} MiB over HTTP{(e.Error is null ? "" : "; ERROR " + e.Error)}");

    [GeneratedRegex(@"DHCPACK\([^)]*\) ([0-9.]+) ([0-9A-Fa-f:]{17})")]
    private static partial Regex Ack();

    [GeneratedRegex(@"dnsmasq-tftp\[\d+\]: sent (\S+) to ([0-9.]+)")]
    private static partial Regex Sent();
}
