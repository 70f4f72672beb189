using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>Assembles each array of the layout from whatever members carry its UUID (degraded too: --run), by its own name.</summary>
    public void Attach(AttachContext context)
    {
        var active = ActiveArrays(context.Run);
        foreach (var array in context.Layout.MdArrays)
        {
            var key = "md:" + array.Uuid;
            if (context.IsDone(key))
            {
                continue;
            }

            if (active.TryGetValue(array.Uuid, out var running))
            {
                context.Done(key, false, $"RAID {running} ({array.Level}, was {array.Path}) is already assembled.");
                continue;
            }

            var path = "/dev/md/" + ShortName(array);
            List<string> args = ["--assemble", path, "--uuid=" + array.Uuid, "--run"];
            if (context.ReadOnly)
            {
                args.Add("--readonly");
            }

            context.Record(key, context.Run.Run(new ProcessRequest("mdadm", args)), $"Assembled RAID {array.Level} {path} (was {array.Path}).", $"RAID {array.Path} ({array.Uuid})");
        }
    }

    /// <summary>Stops each array of the layout that is running.</summary>
    public void Detach(AttachContext context)
    {
        if (context.KeepStack)
        {
            return;
        }

        foreach (var array in context.Layout.MdArrays)
        {
            if (!ActiveArrays(context.Run).TryGetValue(array.Uuid, out var running))
            {
                continue;
            }

            context.Record("md:" + array.Uuid, context.Run.Run(new ProcessRequest("mdadm", ["--stop", running])), $"Stopped RAID {running}.", $"RAID {running}");
        }
    }

    /// <summary>The running arrays (mdadm --detail --scan): UUID → device path.</summary>
    private static Dictionary<string, string> ActiveArrays(IProcessRunner run)
    {
        var arrays = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var r = run.Run(new ProcessRequest("mdadm", ["--detail", "--scan"]));
        foreach (var line in r.StandardOutput.Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && f[0] == "ARRAY" && f.FirstOrDefault(x => x.StartsWith("UUID=", StringComparison.Ordinal)) is { } uuid)
            {
                arrays[uuid["UUID=".Length..]] = f[1];
            }
        }

        return arrays;
    }
}
