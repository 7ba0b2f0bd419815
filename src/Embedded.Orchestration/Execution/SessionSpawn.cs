using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// Linux: starts a process as the leader of a new session with posix_spawn and
/// <c>POSIX_SPAWN_SETSID</c> (glibc 2.26+, musl), and learns its exit on SIGCHLD. It replaces
/// Process.Start of <c>setsid(1)</c>: one program fewer to load per task, and the session exists
/// before the child's first instruction, so there is nothing to wait for after the start.
/// Every signal starts at its default disposition and unblocked in the child (as after
/// Process.Start, which restores the ones .NET itself changed). The runtime reaps only the
/// children its Process class started, so the ones started here are reaped here: by pid, on each
/// SIGCHLD (one signal can stand for several exits), through a PosixSignalRegistration that the
/// runtime calls after its own reaping. Where the runtime reaps every child itself (it runs as
/// pid 1, or SIGCHLD was ignored when it started) a child's status is gone by the time we look:
/// its exit then completes with no code, and the caller reads the status its wrapper wrote.
/// </summary>
internal static unsafe partial class SessionSpawn
{
    private const int POSIX_SPAWN_SETSIGDEF = 0x04;
    private const int POSIX_SPAWN_SETSIGMASK = 0x08;
    private const int POSIX_SPAWN_SETSID = 0x80;
    private const int WNOHANG = 1;
    private const int WEXITED = 4;
    private const int WNOWAIT = 0x01000000;
    private const int P_ALL = 0;
    private const int ECHILD = 10;
    private const int EINTR = 4;

    // posix_spawnattr_t is 336 bytes on glibc and musl (x86-64, arm64), posix_spawn_file_actions_t 80,
    // sigset_t 128, siginfo_t 128: room to spare for each.
    private const int AttrBytes = 1024;
    private const int FileActionsBytes = 256;
    private const int SigsetBytes = 256;
    private const int SiginfoBytes = 256;

    private static readonly Dictionary<int, TaskCompletionSource<int?>> Children = [];
    private static PosixSignalRegistration? s_sigchld;
    private static int s_supported; // 0 unknown, 1 yes, -1 no

    /// <summary>Whether this system can start a session this way (Linux with a libc that has SETSID and addchdir).</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool IsSupported
    {
        get
        {
            if (s_supported == 0) s_supported = Probe() ? 1 : -1;
            return s_supported > 0;
        }
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var attr = stackalloc byte[AttrBytes];
            if (posix_spawnattr_init(attr) != 0) return false;
            try
            {
                // An older libc refuses the flag it does not know.
                if (posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID) != 0) return false;
            }
            finally
            {
                _ = posix_spawnattr_destroy(attr);
            }
            var actions = stackalloc byte[FileActionsBytes];
            if (posix_spawn_file_actions_init(actions) != 0) return false;
            try
            {
                return posix_spawn_file_actions_addchdir_np(actions, "/") == 0;
            }
            finally
            {
                _ = posix_spawn_file_actions_destroy(actions);
            }
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="argv"/> (argv[0] included) and exactly
    /// <paramref name="environment"/>, in <paramref name="workingDirectory"/>, as a session leader.
    /// Returns its pid and a task that completes with its exit code (128 + the signal for one a
    /// signal ended) once it has ended and been reaped. Throws <see cref="System.ComponentModel.Win32Exception"/>
    /// when it cannot be started.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static (int Pid, Task<int?> Exited) Start(string path, IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string?>> environment, string workingDirectory)
    {
        EnsureSignalHandler();
        var strings = new List<nint>();
        var attr = stackalloc byte[AttrBytes];
        var actions = stackalloc byte[FileActionsBytes];
        var all = stackalloc byte[SigsetBytes];
        var none = stackalloc byte[SigsetBytes];
        Check(posix_spawnattr_init(attr));
        Check(posix_spawn_file_actions_init(actions));
        try
        {
            _ = sigfillset(all);
            _ = sigemptyset(none);
            Check(posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
            Check(posix_spawnattr_setsigdefault(attr, all));
            Check(posix_spawnattr_setsigmask(attr, none));
            Check(posix_spawn_file_actions_addchdir_np(actions, workingDirectory));

            var argvBlock = stackalloc nint[argv.Count + 1];
            for (var i = 0; i < argv.Count; i++) argvBlock[i] = Utf8(argv[i], strings);
            argvBlock[argv.Count] = 0;
            var env = new List<nint>();
            foreach (var (name, value) in environment)
                if (value is not null) env.Add(Utf8(name + "=" + value, strings));
            var envBlock = stackalloc nint[env.Count + 1];
            for (var i = 0; i < env.Count; i++) envBlock[i] = env[i];
            envBlock[env.Count] = 0;

            int pid;
            Check(posix_spawn(&pid, path, actions, attr, argvBlock, envBlock));
            // A SIGCHLD handled between the start and the registration passes this child by; the
            // look just after the registration finds it if it has already ended.
            TaskCompletionSource<int?> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Children)
            {
                Children[pid] = exited;
                TryReap(pid, exited);
            }
            return (pid, exited.Task);
        }
        finally
        {
            _ = posix_spawn_file_actions_destroy(actions);
            _ = posix_spawnattr_destroy(attr);
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
        }
    }

    private static nint Utf8(string s, List<nint> owned)
    {
        var p = Marshal.StringToCoTaskMemUTF8(s);
        owned.Add(p);
        return p;
    }

    private static void Check(int error)
    {
        if (error != 0) throw new System.ComponentModel.Win32Exception(error);
    }

    [SupportedOSPlatform("linux")]
    private static void EnsureSignalHandler()
    {
        if (Volatile.Read(ref s_sigchld) is not null) return;
        lock (Children)
            s_sigchld ??= PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => ReapExited());
    }

    /// <summary>
    /// On SIGCHLD: reaps the children of ours that ended. It first asks which child ended without
    /// reaping it (waitid WNOWAIT), which costs one call per exit; only when that child is not ours
    /// (one of the runtime's, about to be reaped by it) does it look at each of ours by pid.
    /// </summary>
    private static void ReapExited()
    {
        var info = stackalloc byte[SiginfoBytes];
        lock (Children)
        {
            if (Children.Count == 0) return;
            while (true)
            {
                new Span<byte>(info, SiginfoBytes).Clear();
                if (waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) != 0) break;
                var pid = *(int*)(info + 16); // si_pid
                if (pid == 0 || !Children.TryGetValue(pid, out var child)) break;
                if (!TryReap(pid, child)) break;
            }
            if (Children.Count == 0) return;
            foreach (var (pid, child) in Children.ToArray()) TryReap(pid, child);
        }
    }

    // Called under the lock.
    private static bool TryReap(int pid, TaskCompletionSource<int?> child)
    {
        int status;
        int result;
        while ((result = waitpid(pid, &status, WNOHANG)) < 0 && Marshal.GetLastPInvokeError() == EINTR) { }
        if (result == 0) return false;
        Children.Remove(pid);
        if (result < 0)
        {
            // ECHILD: someone else reaped it (the runtime, when it reaps every child).
            child.TrySetResult(null);
            return true;
        }
        var signal = status & 0x7f;
        child.TrySetResult(signal == 0 ? (status >> 8) & 0xff : 128 + signal);
        return true;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitid(int idtype, int id, byte* info, int options);

    [LibraryImport("libc")]
    private static partial int posix_spawn(int* pid, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte* fileActions, byte* attr, nint* argv, nint* envp);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_init(byte* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_destroy(byte* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setflags(byte* attr, short flags);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigdefault(byte* attr, byte* set);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigmask(byte* attr, byte* set);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(byte* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(byte* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addchdir_np(byte* actions, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [LibraryImport("libc")]
    private static partial int sigfillset(byte* set);

    [LibraryImport("libc")]
    private static partial int sigemptyset(byte* set);
}
