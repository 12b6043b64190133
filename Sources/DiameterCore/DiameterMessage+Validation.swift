extension DiameterMessage {
    /// Checks the message against its command's grammar (RFC 6733 §3.2 CCF; TS 29.229 §6.1), and every
    /// Grouped AVP whose grammar is known against that grammar. AVP order is free.
    ///
    /// - Unknown AVP with the M-bit → 5001 DIAMETER_AVP_UNSUPPORTED + Failed-AVP (RFC 6733 §7.1.5);
    ///   unknown without the M-bit → ignored (RFC 6733 §4.1).
    /// - AVP the grammar does not admit (no `*[ AVP ]`) → 5008 DIAMETER_AVP_NOT_ALLOWED.
    /// - More occurrences than the grammar allows → 5009 DIAMETER_AVP_OCCURS_TOO_MANY_TIMES, Failed-AVP the
    ///   first occurrence past the limit.
    /// - Required AVP absent → 5005 DIAMETER_MISSING_AVP, Failed-AVP a zero-filled example (RFC 6733 §7.5).
    ///
    /// An answer with the E-bit is checked against the protocol-error answer grammar (RFC 6733 §7.2).
    public func validate(against command: CommandDefinition) throws(DiameterMessageError) {
        let grammar: AVPGrammar =
            header.isError && !header.isRequest ? .protocolErrorAnswer : command.grammar(isRequest: header.isRequest)
        try validate(range: 0, records.count, grammar: grammar, dictionary: dictionary)
    }

    /// Looks the command up in `dictionary` and validates against it; `nil` when the command is unknown
    /// (the peer layer answers that with 3001 or 3007).
    public func validate() throws(DiameterMessageError) -> CommandDefinition? {
        guard let command = dictionary.command(code: header.commandCode, applicationID: header.applicationID) else {
            return nil
        }
        try validate(against: command)
        return command
    }

    private func validate(
        range start: Int, _ end: Int, grammar: AVPGrammar, dictionary: DiameterDictionary
    ) throws(DiameterMessageError) {
        let ruleCount = grammar.rules.count
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: max(ruleCount, 1)) {
            (counts) throws(DiameterMessageError) in
            counts.initialize(repeating: 0)
            var i = start
            while i < end {
                let r = records[i]
                if let ri = grammar.ruleIndex(code: r.code, vendorID: r.vendorID) {
                    counts[ri] += 1
                    if counts[ri] > grammar.rules[ri].maximum {
                        throw failure(
                            .avpOccursTooManyTimes, r,
                            "\(name(r, dictionary)) occurs more than \(grammar.rules[ri].maximum) time(s)", index: i)
                    }
                } else if r.definitionIndex < 0 {
                    if r.flags.contains(.mandatory) {
                        throw failure(.avpUnsupported, r, "unknown AVP \(name(r, dictionary)) has the M-bit", index: i)
                    }
                } else if !grammar.allowsOtherAVPs {
                    throw failure(.avpNotAllowed, r, "\(name(r, dictionary)) is not allowed here", index: i)
                }
                if r.isGroupParsed {
                    switch dictionary.groupedGrammarByIndex[Int(r.definitionIndex)] {
                    case let inner? where inner.checksMembers:
                        try validate(range: i + 1, Int(r.subtreeEnd), grammar: inner, dictionary: dictionary)
                    case .some:
                        break  // opaque members (Failed-AVP)
                    case nil:
                        try checkUnknownMandatory(range: i + 1, Int(r.subtreeEnd), dictionary: dictionary)
                    }
                }
                i = Int(r.subtreeEnd)
            }
            for ri in 0..<ruleCount where counts[ri] < grammar.rules[ri].minimum {
                let key = grammar.rules[ri].key
                let def = dictionary.definition(key)
                let example = def.map { AVP.example(of: $0) }
                throw DiameterMessageError(
                    .missingAVP, offset: 0, reason: "missing \(def?.name ?? key.description)",
                    failedAVP: example, header: header)
            }
        }
    }

    /// Inside a group with no known grammar: only unknown mandatory AVPs are errors.
    private func checkUnknownMandatory(range start: Int, _ end: Int, dictionary: DiameterDictionary) throws(DiameterMessageError) {
        var i = start
        while i < end {
            let r = records[i]
            if r.definitionIndex < 0 && r.flags.contains(.mandatory) {
                throw failure(.avpUnsupported, r, "unknown AVP \(name(r, dictionary)) has the M-bit", index: i)
            }
            i += 1
        }
    }

    private func failure(_ code: ResultCode, _ r: AVPRecord, _ reason: String, index: Int) -> DiameterMessageError {
        DiameterMessageError(
            code, offset: Int(r.headerOffset), reason: reason,
            failedAVP: AVPView(message: self, index: index).tree(), header: header)
    }

    private func name(_ r: AVPRecord, _ dictionary: DiameterDictionary) -> String {
        let key = AVPKey(code: r.code, vendorID: r.vendorID)
        if r.definitionIndex >= 0 { return dictionary.definitions[Int(r.definitionIndex)].name + " (\(key))" }
        return key.description
    }
}
