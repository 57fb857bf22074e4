# fpipec.bash — bash completion for fpipec: its commands, each command's
# options and the words an option takes, and .fpipe / .yaml / .yml files.
# The commands and options are asked of fpipec itself (the hidden
# `fpipec --list-options [COMMAND]`, printed from the tables main.c reads
# the command line with), so they cannot drift from it.
#
#   source completion/fpipec.bash      (or copy it to
#                                       /usr/share/bash-completion/completions/fpipec)

_fpipec() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local fpipec=${COMP_WORDS[0]} verb="" i f opts opt="" arg=""
    COMPREPLY=()
    # the command: the first word after fpipec that is not an option
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -*) ;;
            *) verb=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [ -z "$verb" ] || [ "$verb" = help ]; then
        COMPREPLY=($(compgen -W "$("$fpipec" --list-options 2> /dev/null)" -- "$cur"))
        [ -z "$verb" ] && COMPREPLY+=($(compgen -W "--help --version" -- "$cur"))
        return 0
    fi
    # after "--" (fpipec run): the program's own arguments, any file
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [ "${COMP_WORDS[i]}" = -- ]; then
            compopt -o filenames 2> /dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0
        fi
    done
    opts=$("$fpipec" --list-options "$verb" 2> /dev/null) || return 0
    # a value being typed: --opt=VALUE (bash splits the word at '=') or
    # --opt VALUE; the option's line says what it takes
    if [ "$cur" = "=" ]; then
        opt=$prev
        cur=""
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
        opt=${COMP_WORDS[COMP_CWORD-2]}
    else
        opt=$prev
    fi
    while read -r f arg; do
        [ "$f" = "$opt" ] && [ -n "$arg" ] && break
        arg=""
    done <<< "$opts"
    if [ -n "$arg" ]; then
        case $arg in
            *"|"*) COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur")) ;;
            N) ;;
            *) compopt -o filenames 2> /dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
        esac
        return 0
    fi
    case $cur in
        -*)
            COMPREPLY=($(compgen -W "$(while read -r f arg; do echo "$f"; done <<< "$opts")" -- "$cur"))
            ;;
        *)
            compopt -o filenames 2> /dev/null
            while IFS= read -r f; do
                if [ -d "$f" ]; then
                    COMPREPLY+=("$f")
                else
                    case $f in *.fpipe|*.yaml|*.yml) COMPREPLY+=("$f") ;; esac
                fi
            done < <(compgen -f -- "$cur")
            ;;
    esac
    return 0
}
complete -F _fpipec fpipec
