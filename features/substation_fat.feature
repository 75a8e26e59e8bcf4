Feature: FAT of the demo bay controller
  The signal list is checked end to end, as signed off by the utility's engineer.
  Adapted from docs/examples: the demo RTU (common address 47) plays bay controller 12.
  Against a real RTU: pytest features --rtu-host 192.0.2.10 --rtu-common-address 12, with the
  IOAs and values of its signal list. Every command scenario leaves the switches as it found them.

  Background:
    Given a connection to the RTU

  Scenario: Station interrogation returns every signal
    When I send a general interrogation
    Then the interrogation is confirmed and terminated
    And the points report:
      | IOA | type      | expected value | quality | description                  |
      | 100 | M_SP_NA_1 | ON             | good    | Breaker Q0 closed            |
      | 101 | M_SP_TB_1 | OFF            | good    | Earthing switch Q8 closed    |
      | 200 | M_DP_NA_1 | ON             | good    | Disconnector Q1 position     |
      | 201 | M_DP_TB_1 |                | good    | Disconnector Q9 position     |
      | 300 | M_ME_NB_1 | 1234           | good    | Active power (kW)            |
      | 301 | M_ME_NC_1 | 230.5 +/- 0.1  | good    | Busbar voltage (kV)          |
      | 302 | M_ME_NC_1 | 49.98 +/- 0.05 | good    | Frequency (Hz)               |
      | 303 | M_ME_NA_1 |                | good    | Transformer load (per unit)  |

  Scenario: Group 3 returns the tap changer and the protection status
    When I send a group interrogation for group 3
    Then the interrogation is confirmed and terminated
    And the points report:
      | IOA | type      | expected value | description                  |
      | 310 | M_ST_NA_1 | 5              | Tap changer position         |
      | 320 | M_BO_NA_1 | 0x0000A5A5     | Protection relay status word |

  Scenario: The energy counters
    When I send a counter interrogation
    Then the command is confirmed
    And the command is terminated
    And the points report within 2 seconds:
      | IOA | type      | expected value | description                |
      | 400 | M_IT_NA_1 | 12345          | Active energy import (kWh) |
      | 401 | M_IT_TB_1 | 678            | Active energy export (kWh) |

  Scenario Outline: Each switch follows its command
    When I send a <kind> command <state> to IOA <command>
    Then the command is confirmed
    And the command is terminated within 3 seconds
    And IOA <status> reports <state> within 3 seconds

    Examples: Breaker Q0 (direct)
      | kind   | command | status | state |
      | single | 500     | 100    | OFF   |
      | single | 500     | 100    | ON    |

    Examples: Disconnector Q1
      | kind   | command | status | state |
      | double | 502     | 200    | OFF   |
      | double | 502     | 200    | ON    |

  Scenario Outline: The earthing switch needs select-before-operate
    When I send a single command <state> to IOA 501 with select-before-operate
    Then the command is confirmed
    And IOA 101 reports <state> within 3 seconds

    Examples:
      | state |
      | ON    |
      | OFF   |

  Scenario: The earthing switch refuses a direct execute
    When I send a single command ON to IOA 501
    Then the command is confirmed negatively
    When I read IOA 101
    Then IOA 101 reports OFF

  Scenario Outline: Set points are taken over
    When I send a <kind> set point <value> to IOA <command>
    Then the command is confirmed
    And IOA <status> reports <value> within 3 seconds
    When I send a <kind> set point <original> to IOA <command>
    Then IOA <status> reports <original> within 3 seconds

    Examples:
      | kind   | command | status | value | original |
      | short  | 511     | 301    | 225.0 | 230.5    |
      | scaled | 510     | 300    | -2500 | 1234     |

  Scenario: The tap changer steps up and down
    When I send a regulating step HIGHER to IOA 520
    Then the command is confirmed
    And IOA 310 reports 6 within 3 seconds
    When I send a regulating step LOWER to IOA 520
    Then the command is confirmed
    And IOA 310 reports 5 within 3 seconds

  Scenario: The RTU keeps time
    When I send a clock synchronisation
    Then the command is confirmed
