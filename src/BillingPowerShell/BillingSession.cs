using System;
using System.Threading;
using BillingPowerShell.Commands;
using BillingPowerShell.Engine.Auth;
using BillingPowerShell.Engine.Billing;

namespace BillingPowerShell
{
    /// <summary>
    /// The process-wide connection that Connect-BillingAccount sets. Cmdlets used before connecting get the default
    /// credential chain against the public cloud, as Az and the Azure CLI do.
    /// </summary>
    internal static class BillingSession
    {
        private static readonly object Gate = new object();
        private static BillingClient? _current;

        public static bool IsConnected { get; private set; }

        public static BillingClient Current
        {
            get
            {
                lock (Gate)
                    return _current ??= BillingClient.Create(new ConnectOptions());
            }
        }

        // Tab completion offers the names the previous identity listed: they go with it.
        public static void Set(BillingClient client)
        {
            lock (Gate) { _current = client; IsConnected = true; }
            BillingNameCompleter.Forget();
        }

        public static void Clear()
        {
            lock (Gate) { _current = null; IsConnected = false; }
            BillingNameCompleter.Forget();
        }

        // A device-code credential can need a new sign-in long after Connect-BillingAccount has ended (its refresh
        // token expired): the prompt goes to the warning stream of the cmdlet running then, set by its NewCall and
        // released when its Run returns (a sink is dead after that). With none running, the sign-in fails clearly.
        private static Action<string>? _prompt;

        public static void SetPrompt(Action<string> prompt) => Volatile.Write(ref _prompt, prompt);

        public static void ReleasePrompt(Action<string>? prompt)
        {
            if (prompt is not null) Interlocked.CompareExchange(ref _prompt, null, prompt);
        }

        public static void ShowDeviceCodePrompt(string message)
        {
            var prompt = Volatile.Read(ref _prompt)
                ?? throw new InvalidOperationException("A device-code sign-in is needed, but no BillingPowerShell command is running to show the code. Run Connect-BillingAccount -DeviceCode again.");
            prompt(message);
        }
    }
}
