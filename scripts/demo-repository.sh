#!/usr/bin/env bash
# Makes demo/repository/ledger.git, the git repository of the demo's `ledger` (Java) app, so a
# first run can name the commit behind ledger's regression
# (docs/regressions.md#the-change-that-caused-it). The app is this project's own writing: a few tiny
# classes, whose names are the frames of demo/stacks/ledger.*.folded. Its history:
#   1.4.1 (tag v1.4.1)                           what ran before the deploy
#   "Document when the reconcile job runs"       README only
#   "Compile the validation pattern per entry"   EntryValidator.validate compiles its account
#                                                pattern on every call: the regression
#   "Say what a reversal is validated against"   a comment in JournalController.reverse
#   (tag v1.4.2)                                 what ran after it
# Authors and dates are fixed, so the commits' ids are the same on every run. The repository is
# bare and packed (HEAD, config, one pack, three loose refs): what an operator's mirror holds.
# scripts/demo-profiles.sh runs this and labels ledger's profiles with the tags' commits. Run
# from the repository root:
#   scripts/demo-repository.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bare=demo/repository/ledger.git
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Neither the user's nor the system's git settings (signing, hooks, templates) change a commit.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git() { command git -C "$work" "$@"; }
commit() { # DATE "NAME <EMAIL>" TITLE
    local name=${2% <*} email=${2##*<}
    GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=${email%>} GIT_AUTHOR_DATE=$1 \
        GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=${email%>} GIT_COMMITTER_DATE=$1 \
        git commit --quiet --no-verify -a -m "$3"
}
command git init --quiet --template= -b main "$work"
java="$work/src/main/java/com/example/ledger"
mkdir -p "$java"

cat >"$work/README.md" <<'EOF'
# ledger

Posts journal entries and answers balances. A demo app of pyroscope-functions, written for its
demo: not a real ledger.
EOF
cat >"$java/Entry.java" <<'EOF'
package com.example.ledger;

/** A journal entry: an amount in cents moved from one account to another. */
record Entry(String account, String counterAccount, long cents, String reference) {
    /** The entry that undoes this one. */
    Entry reversed() {
        return new Entry(counterAccount, account, cents, "REV-" + cents);
    }
}
EOF
cat >"$java/EntryValidator.java" <<'EOF'
package com.example.ledger;

import java.util.regex.Pattern;

/** Checks a journal entry before it is posted. */
final class EntryValidator {
    private static final String ACCOUNT = "[0-9]{4}-[0-9]{4}-[0-9]{2}";
    private static final Pattern ACCOUNT_PATTERN = Pattern.compile(ACCOUNT);

    /** Whether the entry's account is well formed, and its reference when it has one. */
    boolean validate(Entry entry) {
        if (entry.reference() != null && !entry.reference().matches("[A-Z]{3}-[0-9]+")) {
            return false;
        }
        return ACCOUNT_PATTERN.matcher(entry.account()).matches();
    }

    /** The rules, as the API's documentation shows them. */
    String describe() {
        return "account " + ACCOUNT + ", reference AAA-123";
    }
}
EOF
cat >"$java/JournalController.java" <<'EOF'
package com.example.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;

/** POST /journal: one journal entry per request. */
final class JournalController {
    private final ObjectMapper json = new ObjectMapper();
    private final EntryValidator validator = new EntryValidator();
    private final JournalStore store;

    JournalController(JournalStore store) {
        this.store = store;
    }

    /** Posts the entry in the request's body; false when it is not valid. */
    boolean post(String body) throws Exception {
        Entry entry = json.readValue(body, Entry.class);
        if (!validator.validate(entry)) {
            return false;
        }
        store.append(entry);
        return true;
    }

    /** Undoes a posted entry by posting its reversal. */
    boolean reverse(Entry entry) throws Exception {
        return post(json.writeValueAsString(entry.reversed()));
    }
}
EOF
cat >"$java/JournalStore.java" <<'EOF'
package com.example.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import javax.sql.DataSource;

/** The journal table: entries are appended, never changed. */
final class JournalStore {
    private static final String INSERT =
            "insert into journal (account, counter_account, cents, reference) values (?, ?, ?, ?)";
    private final DataSource pool;

    JournalStore(DataSource pool) {
        this.pool = pool;
    }

    void append(Entry entry) throws Exception {
        try (Connection connection = pool.getConnection();
                PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setString(1, entry.account());
            insert.setString(2, entry.counterAccount());
            insert.setLong(3, entry.cents());
            insert.setString(4, entry.reference());
            insert.executeUpdate();
        }
    }
}
EOF
cat >"$java/BalanceController.java" <<'EOF'
package com.example.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;

/** GET /balance/{account}. */
final class BalanceController {
    private final ObjectMapper json = new ObjectMapper();
    private final BalanceCache cache;

    BalanceController(BalanceCache cache) {
        this.cache = cache;
    }

    String get(String account) throws Exception {
        long cents = cache.lookup(account);
        return json.writeValueAsString(new Balance(account, cents));
    }

    record Balance(String account, long cents) {}
}
EOF
cat >"$java/BalanceCache.java" <<'EOF'
package com.example.ledger;

import java.util.concurrent.ConcurrentHashMap;

/** Balances by account, summed from the journal when not known yet. */
final class BalanceCache {
    private final ConcurrentHashMap<String, Long> balances = new ConcurrentHashMap<>();
    private final BalanceCalculator calculator;

    BalanceCache(BalanceCalculator calculator) {
        this.calculator = calculator;
    }

    long lookup(String account) {
        Long known = balances.get(account);
        if (known != null) {
            return known;
        }
        long cents = calculator.sum(account);
        balances.put(account, cents);
        return cents;
    }
}
EOF
cat >"$java/BalanceCalculator.java" <<'EOF'
package com.example.ledger;

import java.util.List;

/** An account's balance: the sum of the journal's entries to it and from it. */
final class BalanceCalculator {
    private final List<Entry> journal;

    BalanceCalculator(List<Entry> journal) {
        this.journal = journal;
    }

    long sum(String account) {
        long cents = 0;
        for (Entry entry : journal) {
            if (entry.account().equals(account)) {
                cents -= entry.cents();
            } else if (entry.counterAccount().equals(account)) {
                cents += entry.cents();
            }
        }
        return cents;
    }
}
EOF
cat >"$java/ReconcileJob.java" <<'EOF'
package com.example.ledger;

import java.util.List;

/** The journal against the bank's statement, entry by entry. */
final class ReconcileJob implements Runnable {
    private final List<Entry> journal;
    private final List<Entry> statement;

    ReconcileJob(List<Entry> journal, List<Entry> statement) {
        this.journal = journal;
        this.statement = statement;
    }

    @Override
    public void run() {
        int mismatches = compare(journal, statement);
        if (mismatches > 0) {
            System.err.println(mismatches + " entries differ from the statement");
        }
    }

    static int compare(List<Entry> ours, List<Entry> theirs) {
        int mismatches = Math.abs(ours.size() - theirs.size());
        for (int i = 0; i < Math.min(ours.size(), theirs.size()); i++) {
            if (!ours.get(i).equals(theirs.get(i))) {
                mismatches++;
            }
        }
        return mismatches;
    }
}
EOF
git add .
commit "2025-12-29T10:00:00Z" "Ada Park <ada@example.com>" "Ledger 1.4.1"
git tag v1.4.1

cat >>"$work/README.md" <<'EOF'

The reconcile job runs every night at 02:00 UTC and logs the entries that differ from the
bank's statement.
EOF
commit "2026-01-02T09:12:00Z" "Sam Ortiz <sam@example.com>" "Document when the reconcile job runs"

# The culprit: the pattern compiled once, in a static field, is now compiled in validate.
python3 - "$java/EntryValidator.java" <<'PY'
import sys
path = sys.argv[1]
old = open(path).read()
new = old.replace(
    "    private static final Pattern ACCOUNT_PATTERN = Pattern.compile(ACCOUNT);\n", "", 1
).replace(
    "        return ACCOUNT_PATTERN.matcher(entry.account()).matches();\n",
    "        Pattern account = Pattern.compile(ACCOUNT);\n"
    "        return account.matcher(entry.account()).matches();\n",
    1,
)
assert new.count("Pattern.compile") == 1 and "ACCOUNT_PATTERN" not in new, path
open(path, "w").write(new)
PY
commit "2026-01-02T11:47:00Z" "Ada Park <ada@example.com>" \
    "Compile the validation pattern per entry"

python3 - "$java/JournalController.java" <<'PY'
import sys
path = sys.argv[1]
old = open(path).read()
method = "    boolean reverse(Entry entry) throws Exception {\n"
comment = "        // Validated like any entry: REV-<cents> is a well-formed reference.\n"
assert method in old, path
open(path, "w").write(old.replace(method, method + comment, 1))
PY
commit "2026-01-02T14:05:00Z" "Sam Ortiz <sam@example.com>" \
    "Say what a reversal is validated against"
git tag v1.4.2

# A bare copy: no hooks, description or logs; one pack; loose refs (the project's own git
# keeps no empty directory, and refs/ must exist for the repository to open).
rm -rf "$bare"
mkdir -p "$(dirname "$bare")"
command git init --quiet --bare --template= -b main "$bare"
git push --quiet "$(pwd)/$bare" main v1.4.1 v1.4.2
command git -C "$bare" -c pack.writeReverseIndex=false repack --quiet -a -d -n --no-write-bitmap-index
rm -rf "$bare/logs" "$bare/hooks" "$bare/info" "$bare/description"
find "$bare/objects" -mindepth 1 -maxdepth 1 ! -name pack -exec rm -rf {} +
command git -C "$bare" log --format='%h %ad %an: %s' --date=short main
