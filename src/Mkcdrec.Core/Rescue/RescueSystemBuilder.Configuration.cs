using System.Reflection;
using System.Text;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Rescue;

/// <summary>/init, the menu and the configuration under /etc: the layout, rescue.conf, users and groups, sshd.</summary>
public sealed partial class RescueSystemBuilder
{
    private void AddConfiguration(RescueImageTree tree, RescueSystemOptions options, string release, string versionText,
        IReadOnlyList<RescueComponent> components, ModuleClosure modules)
    {
        var layout = options.Layout;
        var host = layout?.Host.Hostname is { Length: > 0 } h ? h : (files.ReadText("/proc/sys/kernel/hostname") ?? "localhost").Trim();
        AddMkcdrecConfiguration(tree, layout);
        AddBootModuleList(tree, components, modules);
        tree.AddText("/etc/mkcdrec/rescue.conf", RescueConf(host, release, versionText, options.Sshd, layout is not null));
        AddSystemFiles(tree, host);
        AddScripts(tree);
        if (options.Sshd)
        {
            AddSshd(tree, options.AuthorizedKeysFile);
        }
    }

    /// <summary>The layout (with the network /init sets up from it) and the host's other files in /etc/mkcdrec, without anything that looks like a secret.</summary>
    private void AddMkcdrecConfiguration(RescueImageTree tree, LayoutDocument? layout)
    {
        if (layout is not null)
        {
            tree.AddText(RescueLayout, LayoutSerializer.Serialize(layout));
            tree.AddLink("/var/lib/mkcdrec/layout.json", RescueLayout);
            tree.AddText("/etc/mkcdrec/network.conf", NetworkConfig(layout.Network));
        }

        foreach (var n in files.ListDirectory("/etc/mkcdrec"))
        {
            var lower = n.ToLowerInvariant();
            // mkcdrec.conf stays on the host: its paths (passphrase-file, secrets, hooks) name host files, and the rescue
            // system is driven by the medium and its menu (docs/configuration.md); the keys medium carries what recovery needs.
            if (n is "layout.json" or "mkcdrec.conf" || lower.Contains("key") || lower.Contains("pass") || lower.Contains("secret") || !files.FileExists("/etc/mkcdrec/" + n))
            {
                continue;
            }

            tree.AddHostFile("/etc/mkcdrec/" + n, "/etc/mkcdrec/" + n, 0x1A4);
        }
    }

    /// <summary>
    /// Modules /init loads explicitly: the ones no device announces (filesystems, RAID, device mapper, crypto).
    /// The rest (xfs, btrfs, raid personalities, dm targets, crypto) the kernel loads on first use through /sbin/modprobe.
    /// </summary>
    private static void AddBootModuleList(RescueImageTree tree, IReadOnlyList<RescueComponent> components, ModuleClosure modules)
    {
        var boot = components.SelectMany(c => c.BootModules)
            .Select(KernelModuleIndex.Normalize).Distinct(StringComparer.Ordinal).Where(n => !modules.NotFound.Contains(n)).ToList();
        tree.AddText("/etc/mkcdrec/modules", string.Join('\n', boot) + "\n");
    }

    /// <summary>/etc/mkcdrec/rescue.conf: what /init and the menu show and decide with, in sh syntax.</summary>
    private static string RescueConf(string host, string release, string versionText, bool sshd, bool hasLayout)
    {
        var conf = new StringBuilder();
        conf.Append("# Written by mkcdrec when this rescue system was built.\n");
        conf.Append($"MKCDREC_HOST='{QuoteForShell(host)}'\n");
        conf.Append($"MKCDREC_BUILT='{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC'\n");
        conf.Append($"MKCDREC_KERNEL='{QuoteForShell(release)}'\n");
        conf.Append($"MKCDREC_SSHD={(sshd ? 1 : 0)}\n");
        conf.Append($"MKCDREC_LAYOUT={(hasLayout ? RescueLayout : "")}\n");
        conf.Append($"MKCDREC_KERNEL_VERSION='{QuoteForShell(versionText)}'\n");
        return conf.ToString();
    }

    /// <summary>The host name, users, groups, name service, shell profile, lvm.conf and fstab of the rescue system.</summary>
    private static void AddSystemFiles(RescueImageTree tree, string host)
    {
        tree.AddText("/etc/hostname", host + "\n");
        tree.AddText("/etc/hosts", $"127.0.0.1\tlocalhost\n127.0.1.1\t{host}\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        tree.AddText("/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        tree.AddText("/etc/shadow", "root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n", 0x180);
        // The groups udev rules name, so udevd does not complain about unknown groups.
        tree.AddText("/etc/group", string.Join('\n', new[]
        {
            "root:x:0:", "tty:x:5:", "disk:x:6:", "lp:x:7:", "kmem:x:15:", "dialout:x:20:", "cdrom:x:24:", "floppy:x:25:", "tape:x:26:",
            "audio:x:29:", "video:x:44:", "input:x:101:", "kvm:x:102:", "render:x:103:", "sgx:x:104:", "nogroup:x:65534:",
        }) + "\n");
        tree.AddText("/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n");
        tree.AddText("/etc/profile", Resource("profile"));
        tree.AddText("/etc/lvm/lvm.conf", Resource("lvm.conf"));
        tree.AddText("/etc/fstab", "# The rescue system runs from RAM; nothing is mounted from here.\n");
    }

    /// <summary>Our scripts: /init, the rescue menu and udhcpc's script.</summary>
    private static void AddScripts(RescueImageTree tree)
    {
        tree.AddText("/init", Resource("init"), 0x1ED);
        tree.AddText("/usr/lib/mkcdrec/menu", Resource("menu"), 0x1ED);
        tree.AddText("/usr/share/udhcpc/default.script", Resource("udhcpc.script"), 0x1ED);
    }

    /// <summary>The OpenSSH server's configuration and root's authorized keys, which must not be empty.</summary>
    private void AddSshd(RescueImageTree tree, string? authorizedKeysFile)
    {
        var text = AuthorizedKeys(authorizedKeysFile);
        tree.AddDirectory("/root/.ssh", 0x1C0);
        tree.AddText("/root/.ssh/authorized_keys", text, 0x180);
        tree.AddText("/etc/ssh/sshd_config", Resource("sshd_config"));
        tree.AddDirectory("/run/sshd", 0x1ED);
    }

    /// <summary>The captured network for /init (mkcdrec.net=static), one line per fact, easy to read in sh.</summary>
    public static string NetworkConfig(NetworkInfo net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var sb = new StringBuilder();
        sb.Append("# iface NAME MAC MTU ADDRESS/PREFIX...; route DEST GATEWAY DEVICE; dns SERVER; search DOMAIN\n");
        foreach (var i in net.Interfaces.Where(i => i.Name != "lo"))
        {
            sb.Append($"iface {i.Name} {i.Mac ?? "-"} {(i.Mtu is { } m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}");
            foreach (var a in i.Addresses)
            {
                sb.Append(' ').Append(a);
            }

            sb.Append('\n');
        }

        foreach (var r in net.Routes)
        {
            sb.Append($"route {(r.Destination.Length == 0 ? "default" : r.Destination)} {r.Gateway ?? "-"} {r.Device ?? "-"}\n");
        }

        foreach (var d in net.Nameservers)
        {
            sb.Append($"dns {d}\n");
        }

        foreach (var d in net.SearchDomains)
        {
            sb.Append($"search {d}\n");
        }

        return sb.ToString();
    }

    private static string QuoteForShell(string s) => s.Replace("'", "'\\''", StringComparison.Ordinal);

    /// <summary>A file of Rescue/Files embedded in this assembly (the /init script, the menu …).</summary>
    public static string Resource(string name)
    {
        using var s = typeof(RescueSystemBuilder).Assembly.GetManifestResourceStream("Mkcdrec.Rescue." + name)
            ?? throw new InvalidOperationException($"The embedded resource Mkcdrec.Rescue.{name} is missing.");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    internal static Assembly ResourceAssembly => typeof(RescueSystemBuilder).Assembly;
}
