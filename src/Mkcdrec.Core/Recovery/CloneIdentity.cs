using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Recovery;

/// <summary>A clone's own identity in the restored system: its hostname, a new machine-id, new SSH host keys.</summary>
internal static class CloneIdentity
{
    public static void Apply(FinalizeContext context, CloneSettings clone)
    {
        if (clone.Hostname is { } name)
        {
            SetHostname(context, name);
        }

        if (clone.NewMachineId)
        {
            NewMachineId(context);
        }

        if (clone.NewSshHostKeys)
        {
            NewSshHostKeys(context);
        }
    }

    private static void SetHostname(FinalizeContext context, string name)
    {
        var hostname = context.RootPath("/etc/hostname");
        var hostsFile = context.RootPath("/etc/hosts");
        var old = File.Exists(hostname) ? File.ReadAllText(hostname).Trim() : context.Layout.Host.Hostname;
        context.WriteFile(hostname, name + "\n");
        if (File.Exists(hostsFile) && old.Length > 0)
        {
            var hosts = File.ReadAllText(hostsFile);
            var oldShort = old.Split('.')[0];
            var newShort = name.Split('.')[0];
            hosts = Regex.Replace(hosts, @"(?<=\s)" + Regex.Escape(old) + @"(?=\s|$)", name, RegexOptions.Multiline);
            if (oldShort != old)
            {
                hosts = Regex.Replace(hosts, @"(?<=\s)" + Regex.Escape(oldShort) + @"(?=\s|$)", newShort, RegexOptions.Multiline);
            }

            context.WriteFile(hostsFile, hosts);
        }

        context.Say($"Clone: hostname {old} -> {name} (/etc/hostname, /etc/hosts).");
        context.Changes.Add("hostname " + name);
    }

    private static void NewMachineId(FinalizeContext context)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.WriteFile(context.RootPath("/etc/machine-id"), id + "\n");
        var dbus = context.RootPath("/var/lib/dbus/machine-id");
        if (File.Exists(dbus) && new FileInfo(dbus).LinkTarget is null)
        {
            context.WriteFile(dbus, id + "\n");
        }

        context.Say($"Clone: new machine-id {id}.");
        context.Changes.Add("new machine-id");
    }

    private static void NewSshHostKeys(FinalizeContext context)
    {
        var dir = context.RootPath("/etc/ssh");
        var removed = Directory.Exists(dir) ? Directory.GetFiles(dir, "ssh_host_*") : [];
        foreach (var f in removed)
        {
            File.Delete(f);
            context.Wrote(f); // gone on purpose: a drill's comparison after the boot counts it as the recovery's, not lost
        }

        if (context.HasProgram("ssh-keygen"))
        {
            context.Chroot("ssh-keygen", "-A");
            foreach (var f in Directory.GetFiles(dir, "ssh_host_*"))
            {
                context.Wrote(f);
            }

            context.Say($"Clone: {removed.Length} SSH host key file(s) replaced by new keys (ssh-keygen -A).");
            context.Changes.Add("new SSH host keys");
        }
        else if (removed.Length > 0)
        {
            context.Say($"Clone: {removed.Length} SSH host key file(s) removed; the system has no ssh-keygen to make new ones.");
            context.Changes.Add("SSH host keys removed");
        }
    }
}
