using System.Globalization;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Media;

/// <summary>What the boot menus pass to the rescue kernel (contract: mkcdrec.medium=, mkcdrec.auto=, mkcdrec.backup=, consoles).</summary>
public sealed class BootMenuOptions
{
    /// <summary>The label of the medium to find (ISO); null for netboot.</summary>
    public string? MediumLabel { get; init; }

    /// <summary>netboot: the URL of the backup directory (mkcdrec.backup=URL).</summary>
    public string? BackupUrl { get; init; }

    /// <summary>Menu timeout in seconds before the default entry boots.</summary>
    public int TimeoutSeconds { get; init; } = 5;

    /// <summary>The machine the rescue kernel runs on: its consoles and GRUB's serial port differ (docs/arm64.md).</summary>
    public MachineArchitecture Architecture { get; init; } = MachineArchitecture.X86_64;

    /// <summary>More kernel arguments for every entry (e.g. mkcdrec.net=static).</summary>
    public string ExtraKernelArguments { get; init; } = "";

    public string KernelPath { get; init; } = "/boot/vmlinuz";

    public string InitrdPath { get; init; } = "/boot/initrd.img";
}

/// <summary>
/// Renders the boot configurations: the GRUB config carried on the ISO, the small config embedded in the GRUB
/// images (it finds the medium by label and hands over to it), and the GRUB / pxelinux configs for netboot.
/// Two entries: "mkcdrec rescue" (default) and "mkcdrec automatic recovery" (mkcdrec.auto=recover).
/// </summary>
public static class BootMenu
{
    public const string RescueTitle = "mkcdrec rescue";
    public const string AutoTitle = "mkcdrec automatic recovery";

    /// <summary>The kernel arguments of the rescue entry (the automatic entry adds mkcdrec.auto=recover).</summary>
    public static string KernelArguments(BootMenuOptions o, bool auto)
    {
        var args = new List<string>();
        if (o.MediumLabel is { } l)
        {
            args.Add("mkcdrec.medium=" + l);
        }

        if (o.BackupUrl is { } u)
        {
            args.Add(BackupArgument(u));
        }

        if (auto)
        {
            args.Add("mkcdrec.auto=recover");
        }

        if (o.ExtraKernelArguments.Trim().Length > 0)
        {
            args.Add(o.ExtraKernelArguments.Trim());
        }

        if (o.Architecture.KernelConsoles is { Length: > 0 } consoles)
        {
            args.Add(consoles);
        }

        return string.Join(' ', args);
    }

    /// <summary>The rescue kernel's parameter that says where the backup is (a URL, or UUID=U:/PATH); the rescue /init reads it.</summary>
    public const string BackupParameter = "mkcdrec.backup=";

    /// <summary>mkcdrec.backup=URL, for a URL a kernel command line and the rescue /init can carry.</summary>
    public static string BackupArgument(string url)
    {
        if (url.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or ';' or '$' or '\\' or '`'))
        {
            throw new MkcdrecException(ExitCode.Usage, $"The backup URL '{url}' contains spaces, quotes or shell characters.",
                "Give a plain URL (percent-encode special characters).");
        }

        return BackupParameter + url;
    }

    /// <summary>Embedded in the GRUB images: find the medium by its label, then read its /boot/grub/grub.cfg.</summary>
    public static string EmbeddedConfig(string label)
    {
        RequireLabel(label);
        return $"""
            search --no-floppy --label --set=root {label}
            set prefix=($root)/boot/grub

            """;
    }

    /// <summary>/boot/grub/grub.cfg on the ISO (also used by GRUB netboot with <paramref name="netboot"/>).</summary>
    public static string GrubConfig(BootMenuOptions o, bool netboot = false)
    {
        if (o.MediumLabel is { } l)
        {
            RequireLabel(l);
        }

        var sb = new StringBuilder();
        sb.Append("# mkcdrec rescue medium boot menu (written by mkcdrec; GRUB 2).\n");
        sb.Append(GrubConsoleAndTimeout(o.TimeoutSeconds, o.Architecture.GrubSerial));
        if (!netboot && o.MediumLabel is { } label)
        {
            sb.Append(CultureInfo.InvariantCulture, $"search --no-floppy --label --set=root {label}\n");
        }

        foreach (var (title, auto) in new[] { (RescueTitle, false), (AutoTitle, true) })
        {
            sb.Append(CultureInfo.InvariantCulture, $"menuentry \"{title}\" {{\n");
            sb.Append(CultureInfo.InvariantCulture, $"    echo \"Loading the mkcdrec rescue system...\"\n");
            sb.Append(CultureInfo.InvariantCulture, $"    linux {o.KernelPath} {GrubWords(KernelArguments(o, auto))}\n");
            sb.Append(CultureInfo.InvariantCulture, $"    initrd {o.InitrdPath}\n");
            sb.Append("}\n");
        }

        return sb.ToString();
    }

    /// <summary>pxelinux.cfg/default for a TFTP server (kernel and initrd relative to the TFTP root).</summary>
    public static string PxelinuxConfig(BootMenuOptions o)
    {
        var sb = new StringBuilder();
        sb.Append("# mkcdrec rescue system, netboot menu (written by mkcdrec; pxelinux/syslinux).\n");
        sb.Append("SERIAL 0 115200\n");
        sb.Append("DEFAULT rescue\n");
        sb.Append("PROMPT 1\n");
        sb.Append(CultureInfo.InvariantCulture, $"TIMEOUT {o.TimeoutSeconds * 10}\n");
        foreach (var (name, title, auto) in new[] { ("rescue", RescueTitle, false), ("auto", AutoTitle, true) })
        {
            sb.Append(CultureInfo.InvariantCulture, $"LABEL {name}\n");
            sb.Append(CultureInfo.InvariantCulture, $"  MENU LABEL {title}\n");
            sb.Append(CultureInfo.InvariantCulture, $"  KERNEL {o.KernelPath.TrimStart('/')}\n");
            sb.Append(CultureInfo.InvariantCulture, $"  INITRD {o.InitrdPath.TrimStart('/')}\n");
            sb.Append(CultureInfo.InvariantCulture, $"  APPEND {KernelArguments(o, auto)}\n");
        }

        return sb.ToString();
    }

    // GRUB's script syntax splits words at & | < > ( ) (an s3:// URL's query has &): such a word goes in double quotes,
    // which GRUB removes before the kernel sees the argument.
    /// <summary>GRUB on the screen and the first serial port (115200 8N1) where it drives one, the first entry by default after the timeout.</summary>
    internal static string GrubConsoleAndTimeout(int timeoutSeconds, bool serial = true) => (serial ? """
        serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
        terminal_input console serial
        terminal_output console serial

        """ : "") + string.Create(CultureInfo.InvariantCulture, $"""
        set default=0
        set timeout={timeoutSeconds}
        set timeout_style=menu

        """);

    internal static string GrubWords(string args) =>
        string.Join(' ', args.Split(' ').Select(w => w.IndexOfAny(['&', '|', '<', '>', '(', ')']) >= 0 ? $"\"{w}\"" : w));

    private static void RequireLabel(string label)
    {
        if (!MediumLabel.IsValid(label))
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{label}' is not a valid medium label.",
                $"Use at most {MediumLabel.MaxLength} characters A-Z, 0-9 and _.");
        }
    }
}
