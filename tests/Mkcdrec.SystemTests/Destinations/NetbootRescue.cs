using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Platform.Linux;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// The real rescue system of this host for a backup at a URL (<c>mkrescue --format netboot --backup-url URL</c>), or for
/// another system's layout, and QEMU's arguments to boot it directly with its pxelinux APPEND line; shared by the NFS
/// and SFTP rescue tests and the boot repair.
/// </summary>
internal static class NetbootRescue
{
    /// <summary>
    /// Builds the netboot files in DIR/netboot for a backup at <paramref name="url"/> (null: none) and the layout
    /// <paramref name="layout"/> (null: this host's, saved now); returns QEMU's arguments (BIOS, kernel, initrd, append +
    /// <paramref name="extraAppend"/>).
    /// </summary>
    public static List<string> Build(string dir, string? url, string extraAppend = "", string? layout = null)
    {
        var kernel = new RescueSystemBuilder(new SystemFiles(), new ProcessRunner(NullLog.Instance)).InstalledKernels().LastOrDefault();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)");
        var bin = RepoPaths.MkcdrecBinary;
        if (layout is null)
        {
            layout = Path.Combine(dir, "layout.json");
            Tool.Checked(bin, ["layout", "save", "-o", layout, "--log", Path.Combine(dir, "layout.log")]);
        }

        var netboot = Path.Combine(dir, "netboot");
        var mk = Tool.Run(bin, ["mkrescue", "--format", "netboot", "--output", netboot, "--kernel", kernel!, "--layout", layout,
            .. url is null ? Array.Empty<string>() : ["--backup-url", url], "--timeout", "1", "--log", Path.Combine(dir, "mkrescue.log")]);
        Assert.True(mk.ExitCode == 0, $"mkrescue failed ({mk.ExitCode}):\n{mk.StdOut}{mk.StdErr}");
        var append = Regex.Match(File.ReadAllText(Path.Combine(netboot, "pxelinux.cfg/default")), @"(?ms)^LABEL rescue$.*?^\s*APPEND (.*?)$").Groups[1].Value.Trim();
        if (url is not null)
        {
            Assert.Contains("mkcdrec.backup=" + url, append, StringComparison.Ordinal);
        }

        var args = SerialGuest.BaseArguments(Firmware.Bios);
        args.AddRange(["-monitor", "none", "-kernel", Path.Combine(netboot, "vmlinuz"), "-initrd", Path.Combine(netboot, "initrd.img"),
            "-append", (append + " " + extraAppend).Trim()]);
        return args;
    }

    /// <summary>Waits for the menu (the console's end goes to the test output either way); returns the menu's screen.</summary>
    public static string WaitForMenu(RescueMenu menu, ITestOutputHelper output)
    {
        try
        {
            return menu.WaitForMenu(TimeSpan.FromMinutes(5));
        }
        finally
        {
            output.WriteLine(SerialGuest.Tail(menu.Guest.Text, 8000));
        }
    }
}
