# SPDX-License-Identifier: GPL-2.0-only
# fish completion for wgbastion(1)

set -l __wgbastion_commands apply show flush check confirm far-side

# Configuration files: *.conf under the current token, and the instances in
# /etc/wgbastion/.
function __wgbastion_conf
    # fish's own file completion for the token, kept to *.conf and directories
    set -l files (complete -C "__fish_command_without_completions "(commandline -ct))
    string match -r -- '.*\.conf$' $files
    string match -r -- '.*/$' $files
    for f in /etc/wgbastion/*.conf
        test -f $f; and printf '%s\tconfiguration in /etc/wgbastion\n' $f
    end
end

complete -c wgbastion -f
set -l __wgbastion_nocmd "not __fish_seen_subcommand_from $__wgbastion_commands"

# global options come before the command
complete -c wgbastion -n $__wgbastion_nocmd -s c -l config -r -f -k -a '(__wgbastion_conf)' -d 'Configuration file'
complete -c wgbastion -n $__wgbastion_nocmd -s v -l verbose -d 'Say more'
complete -c wgbastion -n $__wgbastion_nocmd -s q -l quiet -d 'No warnings; only errors and changes'
complete -c wgbastion -n $__wgbastion_nocmd -s h -l help -d 'Print usage and exit'
complete -c wgbastion -n $__wgbastion_nocmd -s V -l version -d 'Print the version and exit'

complete -c wgbastion -n $__wgbastion_nocmd -a apply -d 'Reconcile the kernel with the configuration'
complete -c wgbastion -n $__wgbastion_nocmd -a show -d 'Live state, counters and differences'
complete -c wgbastion -n $__wgbastion_nocmd -a flush -d 'Remove everything this instance created'
complete -c wgbastion -n $__wgbastion_nocmd -a check -d 'Validate the configuration; touches nothing'
complete -c wgbastion -n $__wgbastion_nocmd -a confirm -d 'Keep a change made by apply --confirm'
complete -c wgbastion -n $__wgbastion_nocmd -a far-side -d "Print the far side's configuration for a peer"

complete -c wgbastion -n '__fish_seen_subcommand_from apply' -l dry-run -d 'Print the plan, change nothing'
complete -c wgbastion -n '__fish_seen_subcommand_from apply' -l confirm -x -d 'Roll back unless confirmed within SECONDS'
complete -c wgbastion -n '__fish_seen_subcommand_from show; and not __fish_seen_argument -l json -l prometheus' -l json -d 'One JSON document'
complete -c wgbastion -n '__fish_seen_subcommand_from show; and not __fish_seen_argument -l json -l prometheus' -l prometheus -d 'Prometheus metrics, text format'
complete -c wgbastion -n '__fish_seen_subcommand_from far-side' -l peer -x -d 'The peer: its number or public key'
complete -c wgbastion -n '__fish_seen_subcommand_from far-side' -l endpoint -x -d 'The bastion as the far side reaches it'
complete -c wgbastion -n '__fish_seen_subcommand_from far-side' -l format -x -a 'wgbastion wg-quick' -d 'Output format'
