using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    /// <summary>The containers of the layout that are not open: their keys are needed before `mkcdrec mount` starts.</summary>
    public static List<LuksDevice> ClosedContainers(LayoutDocument layout, IProcessRunner run) =>
        [.. layout.Luks.Where(l => !IsOpen(run, MappingName(l)))];

    /// <summary>Opens each container of the layout under its own mapping name, found by its LUKS UUID, with the key given for it.</summary>
    public void Attach(AttachContext context)
    {
        foreach (var luks in context.Layout.Luks)
        {
            var key = "luks:" + luks.Uuid;
            var name = MappingName(luks);
            if (context.IsDone(key))
            {
                continue;
            }

            if (IsOpen(context.Run, name))
            {
                context.Done(key, false, $"LUKS {luks.Uuid} is already open as /dev/mapper/{name}.");
                continue;
            }

            var device = context.DeviceWithUuid(luks.Uuid);
            if (device is null)
            {
                context.NotYet(key, $"LUKS {luks.Uuid} (was on {context.Layout.DescribeDevice(luks.DeviceId) ?? luks.DeviceId}): no attached device has this UUID");
                continue;
            }

            if (!context.LuksKeyFiles.TryGetValue(luks.Uuid, out var keyFile))
            {
                context.NotYet(key, $"LUKS {luks.Uuid} on {device}: no key was given for it");
                continue;
            }

            List<string> args = ["open", device, name, "--key-file", keyFile];
            if (context.ReadOnly)
            {
                args.Add("--readonly");
            }

            var r = context.Run.Run(new ProcessRequest("cryptsetup", args));
            if (r.ExitCode == 0)
            {
                context.Done(key, true, $"Opened LUKS {device} as /dev/mapper/{name}.");
            }
            else
            {
                context.NotYet(key, $"LUKS {luks.Uuid} on {device}: {AttachContext.Why(r)}" + (r.ExitCode == 2 ? " (the key does not open it)" : ""));
            }
        }
    }

    /// <summary>Closes each open container of the layout.</summary>
    public void Detach(AttachContext context)
    {
        if (context.KeepStack)
        {
            return;
        }

        foreach (var luks in context.Layout.Luks)
        {
            var name = MappingName(luks);
            if (!IsOpen(context.Run, name))
            {
                continue;
            }

            context.Record("luks:" + luks.Uuid, context.Run.Run(new ProcessRequest("cryptsetup", ["close", name])), $"Closed /dev/mapper/{name}.", $"/dev/mapper/{name}");
        }
    }

    private static bool IsOpen(IProcessRunner run, string name) => run.Run(new ProcessRequest("cryptsetup", ["status", name])).ExitCode == 0;
}
