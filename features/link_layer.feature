Feature: Link layer of the RTU (IEC 60870-5-104 APCI)
  STARTDT, STOPDT and TESTFR, frames the RTU must refuse, and the negative mirrors of
  requests it cannot serve. Written for the demo RTU (common address 47); scenarios that need
  the simulator to change a point are skipped with --rtu-host.

  Background:
    Given a connection to the RTU without data transfer

  Scenario: The RTU sends no I-frame before STARTDT
    Then the connection is open
    And data transfer is stopped
    And no message arrives within 1 second

  Scenario: STARTDT is confirmed and the RTU reports its initialisation
    Given the PIXIT of the RTU claims end_of_initialisation
    When I start data transfer
    Then I receive STARTDT con
    And data transfer is started
    And I receive M_EI_NA_1 with cause INITIALIZED within 2 seconds

  Scenario: TESTFR is answered while data transfer is stopped
    When I send a TESTFR
    Then I receive TESTFR con within 2 seconds
    And the connection is open

  Scenario: A raw TESTFR act is answered like one the link built
    Given data transfer is started
    When I send the raw APDU "68 04 43 00 00 00"
    Then I receive TESTFR con within 2 seconds
    And the connection is open

  Scenario: STOPDT holds spontaneous data back until STARTDT
    Given data transfer is started
    When I stop data transfer
    Then I receive STOPDT con
    And data transfer is stopped
    When the simulated RTU sets IOA 100 to OFF
    Then no message arrives within 1 second
    When I start data transfer
    Then I receive M_SP_NA_1 with cause SPONTANEOUS for IOA 100 within 2 seconds
    And IOA 100 reports OFF

  Scenario: An I-frame with a wrong send sequence number closes the connection
    Given data transfer is started
    # C_IC_NA_1 to CA 47 with N(S) = 8 where the RTU expects 0
    When I send the raw APDU "68 0E 10 00 00 00 64 01 06 00 2F 00 00 00 00 14"
    Then the RTU closes the connection within 5 seconds

  Scenario: An I-frame without an ASDU closes the connection
    Given data transfer is started
    When I send the raw APDU "68 04 00 00 00 00"
    Then the RTU closes the connection within 5 seconds

  Scenario: A command to an unknown IOA gets a negative mirror (cause 47)
    Given data transfer is started
    When I send a single command ON to IOA 999
    Then the command is confirmed negatively
    And I receive C_SC_NA_1 with cause UNKNOWN_IOA for IOA 999

  Scenario: A command in a type the RTU is not configured for gets a negative mirror (cause 44)
    Given data transfer is started
    # IOA 500 takes C_SC_NA_1; C_SC_TA_1 is the same command with a time tag
    When I send a single command ON to IOA 500 with time tag
    Then the command is confirmed negatively
    And I receive C_SC_TA_1 with cause UNKNOWN_TYPE_ID for IOA 500

  Scenario: A read of an unknown IOA gets a negative mirror (cause 47)
    Given data transfer is started
    When I read IOA 999
    Then the command is confirmed negatively
    And I receive C_RD_NA_1 with cause UNKNOWN_IOA for IOA 999

  Scenario: An interrogation of an unknown common address gets a negative mirror (cause 46)
    Given data transfer is started
    When I send a general interrogation to common address 12
    Then the command is confirmed negatively
    And I receive C_IC_NA_1 with cause UNKNOWN_CA at common address 12

  Scenario: An interrogation of an empty group is refused
    Given data transfer is started
    When I send a group interrogation for group 16
    Then the command is confirmed negatively

  Scenario: The controlling station closes the connection
    When I close the connection
    Then the connection is closed
