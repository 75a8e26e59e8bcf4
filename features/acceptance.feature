Feature: Acceptance of the demo RTU
  Every step of the c104test step library, against the demo RTU (c104test/engine/demo_rtu.yaml,
  common address 47). docs/steps.md describes each step.

  Without options the scenarios run against a fresh embedded demo RTU each. With
  --rtu-host/--rtu-port they run against an RTU with the demo profile, such as
  `c104test simulate --no-changes` on 127.0.0.1; scenarios that change the simulator's points
  are then skipped, and every command scenario puts the points back as it found them.

  Scenarios tagged @c104-peer also pass against an RTU built on lib60870 (the c104 package, see
  tests/bdd/peers/c104_demo_rtu.py): `pytest features -m c104-peer --rtu-host ...`. The comments
  above the others say where c104 departs from the standard.

  Rule: The demo RTU answers every request

    Background:
      Given the demo RTU is running
      And a connection to the RTU

    # c104 answers the time-tagged points 101 and 201 as M_SP_TB_1/M_DP_TB_1 with cause 20 (the
    # standard allows cause 20 only without time tag); the steps accept either variant.
    @c104-peer
    Scenario: Station interrogation
      When I send a general interrogation
      Then the interrogation is confirmed and terminated
      And the command is confirmed
      And the command is terminated
      And IOA 100 reports ON
      And IOA 101 reports False
      And IOA 200 reports ON
      And IOA 300 reports 1234
      And IOA 301 reports 230.5
      And IOA 302 reports 49.98 +/- 0.01
      And IOA 300 has quality good
      And I receive M_SP_NA_1 with cause INTERROGATED_BY_STATION for IOA 100

    @c104-peer
    Scenario: Station interrogation addressed by common address
      When I send a general interrogation to common address 47
      Then the interrogation is confirmed and terminated
      And IOA 200 at common address 47 reports ON within 1 second

    @c104-peer
    Scenario: The signal list, as a data table
      When I send a station interrogation
      Then the points report:
        | IOA | type      | value          | quality | description                    |
        | 100 | M_SP_NA_1 | ON             | good    | Breaker Q0 closed              |
        | 101 | M_SP_TB_1 | OFF            | good    | Earthing switch Q8 closed      |
        | 200 | M_DP_NA_1 | ON             | good    | Disconnector Q1 position       |
        | 201 | M_DP_TB_1 |                | good    | Disconnector Q9 (toggles)      |
        | 300 | M_ME_NB_1 | 1234           | good    | Active power (kW)              |
        | 301 | M_ME_NC_1 | 230.5          | good    | Busbar voltage (kV)            |
        | 302 | M_ME_NC_1 | 49.98 +/- 0.01 | good    | Frequency (Hz)                 |
        | 303 | M_ME_NA_1 |                | good    | Transformer load (drifts)      |
        | 310 | M_ST_NA_1 | 5              | good    | Tap changer position           |
        | 320 | M_BO_NA_1 | 0x0000A5A5     | good    | Protection relay status word   |

    # Not @c104-peer: the list checks group interrogations, which c104 refuses (see below).
    Scenario: The whole signal list from a file, with command round trips (docs/fat.md)
      Then the RTU matches the point list "signals/demo_rtu.csv"

    # Not @c104-peer: the list checks group interrogations, which c104 refuses (see below).
    Scenario: Points checked as rows of a signal list
      Then the RTU matches these points:
        | name          | common_address | io_address | type      | expected_value | groups | command_io_address | command_type | command_value | restore |
        | Breaker Q0    | 47             | 100        | M_SP_NA_1 | ON             | 1      | 500                | C_SC_NA_1    | OFF           | yes     |
        | Tap changer   | 47             | 310        | M_ST_NA_1 | 5              | 3      |                    |              |               |         |
      And the RTU matches these points without commands:
        | name          | common_address | io_address | type      | expected_value |
        | Busbar (kV)   | 47             | 301        | M_ME_NC_1 | 225..235       |
      And the RTU matches the point list "signals/demo_rtu.csv" without commands

    # Not @c104-peer: c104 answers only QOI 20 (station); a group interrogation (QOI 21-36)
    # gets a negative ACT_CON with cause UNIMPLEMENTED_GROUP (iec104-python #61).
    Scenario: Group interrogation
      When I send a group interrogation for group 3
      Then the interrogation is confirmed and terminated
      And I receive M_ST_NA_1 with cause INTERROGATED_BY_GROUP_3 for IOA 310
      And IOA 310 reports 5
      And IOA 320 reports 0x0000A5A5

    @c104-peer
    Scenario: Counter interrogation
      When I send a counter interrogation
      Then the command is confirmed
      And the command is terminated
      And the points report within 2 seconds:
        | IOA | type      | value | description                 |
        | 400 | M_IT_NA_1 | 12345 | Active energy import (kWh)  |
        | 401 | M_IT_TB_1 | 678   | Active energy export (kWh)  |

    @c104-peer
    Scenario Outline: Clock synchronisation, in both spellings
      When I send a clock <spelling>
      Then the command is confirmed

      Examples:
        | spelling        |
        | synchronisation |
        | synchronization |

    @c104-peer
    Scenario: Test command
      When I send a test command
      Then the command is confirmed

    # c104 answers a read with an ACT_CON before the object (iec104-python #75); the steps take
    # the object as the answer, so the scenario holds.
    @c104-peer
    Scenario: Read
      When I read IOA 301
      Then the command is confirmed
      And I receive M_ME_NC_1 with cause REQUEST for IOA 301
      And IOA 301 reports 230.5

    # c104 confirms a direct command (ACT_CON) and never terminates it (no ACT_TERM), which the
    # standard allows: a command is confirmed by its ACT_CON unless --rtu-act-term required.
    @c104-peer
    Scenario Outline: A direct single command switches breaker Q0
      When I send a single command <state> to IOA 500
      Then the command is confirmed
      And IOA 100 reports <state> within 2 seconds

      Examples:
        | state |
        | OFF   |
        | ON    |

    # c104's ACT_TERM here is a copy of the select (S/E = 1); "the command is terminated" does
    # not look at the qualifier.
    @c104-peer
    Scenario: Select before operate switches earthing switch Q8
      When I send a single command ON to IOA 501 with select-before-operate
      Then the command is confirmed
      And the command is terminated within 2 seconds
      And IOA 101 reports ON within 2 seconds
      When I send a single command OFF to IOA 501 with select-before-operate
      Then IOA 101 reports OFF within 2 seconds

    # Not @c104-peer: c104 sends no ACT_TERM, so a command "with ACT_TERM" (the PIXIT says the
    # RTU terminates it) fails there after the timeout.
    Scenario: The RTU terminates a command where the PIXIT says it does
      Given the PIXIT of the RTU claims act_term
      When I send a double command OFF to IOA 502 with ACT_TERM
      Then the command is confirmed
      And the command is terminated
      When I send a double command ON to IOA 502 with ACT_TERM
      Then the command is terminated
      And IOA 200 reports ON

    @c104-peer
    Scenario: Double command opens disconnector Q1
      When I send a double command OFF to IOA 502
      Then the command is confirmed
      And IOA 200 reports OFF within 2 seconds
      When I send a double command ON to IOA 502
      Then IOA 200 reports ON within 2 seconds

    @c104-peer
    Scenario: Regulating step raises the tap changer
      When I send a regulating step HIGHER to IOA 520
      Then the command is confirmed
      And IOA 310 reports 6 within 2 seconds
      When I send a regulating step LOWER to IOA 520
      Then IOA 310 reports 5 within 2 seconds

    @c104-peer
    Scenario: Set points come back as return information
      When I send a set point 42.5 to IOA 511
      Then the command is confirmed
      And IOA 301 reports 42.5 within 2 seconds
      When I send a scaled set point -500 to IOA 510
      Then the command is confirmed
      And I receive M_ME_NB_1 with cause RETURN_INFO_REMOTE for IOA 300
      And IOA 300 reports -500
      When I send a set point 230.5 to IOA 511
      Then IOA 301 reports 230.5 within 2 seconds
      When I send a scaled set point 1234 to IOA 510
      Then IOA 300 reports 1234 within 2 seconds

    @c104-peer
    Scenario: A command to an unknown IOA is refused
      When I send a single command ON to IOA 999
      Then the command is confirmed negatively
      And I receive C_SC_NA_1 with cause UNKNOWN_IOA for IOA 999

    @c104-peer
    Scenario: A set point the RTU does not have is refused
      When I send a normalised set point 0.5 to IOA 512
      Then the command is confirmed negatively

    # Not @c104-peer: it drives the embedded simulator, so it is skipped with --rtu-host.
    Scenario: Spontaneous changes, with quality
      When the simulated RTU sets IOA 100 to OFF
      Then I receive M_SP_NA_1 with cause SPONTANEOUS for IOA 100 within 5 seconds
      And IOA 100 reports OFF
      When the simulated RTU sets IOA 303 to 0.5 with quality IV and NT
      Then IOA 303 has quality IV and NT within 2 seconds
      And IOA 303 reports 0.5

    @c104-peer
    Scenario: Link control: STOPDT, TESTFR, a raw APDU, STARTDT, close
      When I stop data transfer
      Then data transfer is stopped
      And I receive STOPDT con
      When I send a TESTFR
      Then I receive TESTFR con within 2 seconds
      When I send the raw APDU "68 04 43 00 00 00"
      Then I receive TESTFR con
      And no message arrives within 0.5 seconds
      When I send the raw APDU:
        """
        0000   68 04 43 00 00 00                                 h.C...
        """
      Then I receive TESTFR con
      When I start data transfer
      Then data transfer is started
      And the connection is open
      When I close the connection
      Then the connection is closed within 2 seconds
      And the traffic is saved to "captures/link-control.pcap"

    @c104-peer
    Scenario: A second controlling station
      Given a connection to the RTU at "127.0.0.1" without data transfer
      And data transfer is started
      When I send a general interrogation
      Then the interrogation is confirmed and terminated

  Rule: A scenario can bring its own simulated RTU

    # Not @c104-peer: it starts a simulated RTU of its own, so it is skipped with --rtu-host.
    Scenario: A feeder bay from a profile
      Given a simulated RTU from profile "profiles/feeder.yaml"
      And a connection to the RTU
      When I send a general interrogation
      Then the interrogation is confirmed and terminated
      And IOA 1001 reports ON
      And IOA 2001 has quality NT
      When I send a double command OFF to IOA 3001 with select-before-operate
      Then the command is confirmed
      And IOA 1001 reports OFF within 2 seconds
