using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Mkcdrec.TestVm;

/// <summary>
/// Runs code whose processes must start in a network namespace the test made (<c>ip netns add</c>; a server such as
/// <see cref="Servers.Ganesha"/> listens on its loopback), where the code starts them itself rather than through
/// <c>ip netns exec</c>: the QEMU of <see cref="ReferenceSystem.RunJob"/>, started by the product's own QEMU host.
/// Linux keeps the network namespace per thread, and a child process gets its parent thread's: the code runs on a thread
/// of its own that entered the namespace (setns), so every process it starts from that thread is in it (QEMU's user
/// network then makes the namespace's 127.0.0.1 the guest's 10.0.2.2); the test's other threads never leave theirs.
/// </summary>
public static partial class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Runs <paramref name="body"/> on a new thread in the namespace <paramref name="name"/> (/run/netns/NAME) and
    /// returns its result; its exception is rethrown here. Work it hands to other threads (the thread pool) is not in the namespace.</summary>
    public static T Run<T>(string name, Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (var ns = File.OpenHandle(Path.Combine("/run/netns", name)))
                {
                    if (SetNs(ns.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                    {
                        throw new TestVmException($"setns into the network namespace {name} failed (errno {Marshal.GetLastPInvokeError()}); it needs root.");
                    }
                }

                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        { Name = "netns-" + name };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
